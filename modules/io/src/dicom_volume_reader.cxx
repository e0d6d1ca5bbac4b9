#include "medpipe/io/dicom_volume_reader.h"

#include <gdcmImageReader.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"
#include "medpipe/core/log.h"
#include "medpipe/core/parallel.h"
#include "medpipe/io/dicom_stream_check.h"
#include "medpipe/io/resource_limits.h"
#include "medpipe/io/stack_resampler.h"

namespace medpipe {
namespace {

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// How the stored pixels of one file become values: worked out once per file, then applied to
// every pixel. Integers are masked to BitsStored and sign-extended where signed; MONOCHROME1
// (low values shown bright) is mirrored over the stored range so bright means high, as ITK does;
// then RescaleSlope/Intercept. Values are computed in double, as DICOM's rescale is defined.
struct PixelMapping {
  uint64_t mask = ~uint64_t{0};
  uint64_t signBit = 0;    // 0: unsigned
  double signRange = 0;    // 2^BitsStored, subtracted from negative values
  bool monochrome1 = false;
  double mirror = 0;       // MONOCHROME1: value = mirror - stored
  double slope = 1, intercept = 0;
  int64_t wholeSignRange = 0, wholeMirror = 0;  // the same in integers, for the int16 path

  PixelMapping(const gdcm::PixelFormat& pf, const DicomHeader& h)
      : monochrome1(h.photometricInterpretation == "MONOCHROME1"), slope(h.rescaleSlope), intercept(h.rescaleIntercept) {
    const unsigned stored = pf.GetBitsStored();
    const bool isSigned = pf.GetPixelRepresentation() == 1;
    if (stored > 0 && stored < 64) mask = (uint64_t{1} << stored) - 1;
    if (isSigned && stored > 0) {
      signBit = uint64_t{1} << (stored - 1);
      signRange = std::ldexp(1.0, stored);
    }
    mirror = isSigned ? -1.0 : std::ldexp(1.0, stored) - 1;
    if (isSigned && stored > 0 && stored < 63) wholeSignRange = int64_t{1} << stored;
    wholeMirror = isSigned ? -1 : stored < 63 ? (int64_t{1} << stored) - 1 : 0;
  }

  float operator()(double v) const {
    if (monochrome1) v = mirror - v;
    return static_cast<float>(v * slope + intercept);
  }
  double integer(uint64_t raw) const {
    raw &= mask;
    return (raw & signBit) ? static_cast<double>(raw) - signRange : static_cast<double>(raw);
  }
};

// Integer pixels whose rescale is whole give whole values: computed exactly in integers, they are
// the values mapIntegers gives (exact in double and in float within int16's range). False when one
// does not fit int16 (what `out` then holds is not to be used).
template <typename Raw>
bool mapIntegersToInt16(const char* pixels, size_t n, const PixelMapping& m, int16_t* out) {
  const auto slope = static_cast<int64_t>(m.slope), intercept = static_cast<int64_t>(m.intercept);
  // In 32 bits where nothing can overflow them (stored values of at most 16 bits, |mirror - v| < 2^17,
  // |slope| <= 2^13, |intercept| <= 2^30), without a branch or an exit in the loop: it vectorises (the
  // 64-bit loop below was a fifth of converting a CT to .nii).
  if (m.wholeSignRange <= 65536 && m.wholeMirror <= 65535 && std::abs(slope) <= (1 << 13) &&
      std::abs(intercept) <= (1 << 30)) {
    const auto mask = static_cast<uint32_t>(m.mask & 0xffff), signBit = static_cast<uint32_t>(m.signBit & 0xffff);
    const auto signRange = static_cast<int32_t>(m.wholeSignRange), s = static_cast<int32_t>(slope);
    const auto c = static_cast<int32_t>(intercept);
    const int32_t base = m.monochrome1 ? static_cast<int32_t>(m.wholeMirror) : 0, flip = m.monochrome1 ? -1 : 1;
    int32_t outside = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t raw = static_cast<uint32_t>(load<Raw>(pixels + i * sizeof(Raw))) & mask;
      const int32_t stored = static_cast<int32_t>(raw) - ((raw & signBit) ? signRange : 0);
      const int32_t v = (base + flip * stored) * s + c;
      outside |= (v < INT16_MIN) | (v > INT16_MAX);
      out[i] = static_cast<int16_t>(v);
    }
    return !outside;
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t raw = load<Raw>(pixels + i * sizeof(Raw)) & m.mask;
    int64_t v = (raw & m.signBit) ? static_cast<int64_t>(raw) - m.wholeSignRange : static_cast<int64_t>(raw);
    if (m.monochrome1) v = m.wholeMirror - v;
    v = v * slope + intercept;
    if (v < INT16_MIN || v > INT16_MAX) return false;
    out[i] = static_cast<int16_t>(v);
  }
  return true;
}

template <typename Raw>
void mapIntegers(const char* pixels, size_t n, const PixelMapping& m, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = m(m.integer(load<Raw>(pixels + i * sizeof(Raw))));
}

template <typename Real>
void mapReals(const char* pixels, size_t n, const PixelMapping& m, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = m(static_cast<double>(load<Real>(pixels + i * sizeof(Real))));
}

bool unchangedSinceRead(const DicomHeader& h) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(h.path, ec);
  if (ec || size != h.fileSize || h.fileSize == 0) return false;
  const auto modified = std::filesystem::last_write_time(h.path, ec);
  return !ec && modified == h.modified;
}

// The decoded pixel data of one file; multi-frame files are decoded once for all their frames.
struct DecodedFile {
  std::string path;
  std::vector<char> buffer;
  gdcm::PixelFormat format;
  size_t frames = 0;
};

// Uncompressed little-endian integers of at most 16 bits whose high bit is BitsStored - 1: their
// bytes are what GDCM's decoder would give (bits above BitsStored, where overlays may live, are
// masked by PixelMapping as after GDCM), so they are read straight from the file, without GDCM's
// second parse and its two copies. False for anything else, which GDCM then decodes.
bool readNativePixels(const DicomHeader& h, size_t pixelsPerFrame, DecodedFile& decoded) {
  if (h.nativePixelDataLength == 0 || h.samplesPerPixel != 1 || (h.bitsAllocated != 8 && h.bitsAllocated != 16) ||
      h.bitsStored == 0 || h.bitsStored > h.bitsAllocated || h.highBit + 1 != h.bitsStored || h.pixelRepresentation > 1)
    return false;
  const size_t frames = std::max(1u, h.numberOfFrames);
  const size_t length = pixelsPerFrame * frames * (h.bitsAllocated / 8);
  if (h.nativePixelDataLength < length) return false;  // GDCM reports it
  std::ifstream in(h.path, std::ios::binary);
  decoded.buffer.resize(length);
  if (!in.seekg(static_cast<std::streamoff>(h.nativePixelDataOffset)) ||
      !in.read(decoded.buffer.data(), static_cast<std::streamsize>(length)))
    throw Error(h.path.string(), "PixelData", "cannot be read (file truncated or unreadable since the scan)");
  decoded.path = h.path.string();
  decoded.format = gdcm::PixelFormat(1, static_cast<unsigned short>(h.bitsAllocated),
                                     static_cast<unsigned short>(h.bitsStored), static_cast<unsigned short>(h.highBit),
                                     static_cast<unsigned short>(h.pixelRepresentation));
  decoded.frames = frames;
  return true;
}

void decodeFile(const DicomHeader& h, size_t pixelsPerFrame, DecodedFile& decoded) {
  const std::string where = h.path.string();
  if (decoded.path == where) return;
  if (!h.pixelDataProblem.empty()) throw Error(where, h.pixelDataProblemField, h.pixelDataProblem);
  // The file may have changed or gone since the scan, and GDCM aborts on malformed input: when its
  // size or time differs, check it again as it is now (structure, and pixel data against the
  // header) before GDCM reads it.
  const bool unchanged = unchangedSinceRead(h);
  DicomHeader recheck;
  if (!unchanged) recheck = readDicomHeader(h.path);
  const DicomHeader& now = unchanged ? h : recheck;
  if (!now.pixelDataProblem.empty()) throw Error(where, now.pixelDataProblemField, now.pixelDataProblem);
  if (now.fileRows() != h.fileRows() || now.fileColumns() != h.fileColumns() || now.numberOfFrames != h.numberOfFrames ||
      now.bitsAllocated != h.bitsAllocated || now.samplesPerPixel != h.samplesPerPixel)
    throw Error(where, "", "file changed since the scan (image size or pixel format differs)");
  if (unchanged && readNativePixels(h, pixelsPerFrame, decoded)) return;
  quietGdcm();
  gdcm::ImageReader reader;
  std::istringstream corrected;
  if (now.needsCorrectedStream) {
    const DicomStreamLayout layout = inspectDicomStream(h.path);
    if (layout.implicitDespiteMeta && layout.encapsulated)
      throw Error(where, "TransferSyntaxUID", "the data set is implicit VR although " + transferSyntaxName(now.transferSyntaxUid) +
                                                  " is declared: its compressed pixel data are not decoded");
    corrected.str(correctedDicomStream(h.path, layout));
    reader.SetStream(corrected);
  } else {
    reader.SetFileName(where.c_str());
  }
  if (!reader.Read()) throw Error(where, "PixelData", "cannot be read or decoded");
  const gdcm::Image& image = reader.GetImage();
  const gdcm::PixelFormat& pf = image.GetPixelFormat();
  if (pf.GetSamplesPerPixel() != 1) throw Error(where, "SamplesPerPixel", "colour images are not supported");
  if (image.GetColumns() != h.fileColumns() || image.GetRows() != h.fileRows())
    throw Error(where, "Rows/Columns", "pixel data does not match the header size");
  const unsigned bytes = pf.GetBitsAllocated() / 8;
  if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8)
    throw Error(where, "BitsAllocated", "unsupported value " + std::to_string(pf.GetBitsAllocated()));
  const size_t frames = std::max(1u, h.numberOfFrames);
  const size_t length = image.GetBufferLength();
  if (length < pixelsPerFrame * bytes * frames)
    throw Error(where, "PixelData", "shorter than Rows x Columns x NumberOfFrames (file truncated?)");
  if (length > kMaxPixelDataBytes)
    throw Error(where, "PixelData", "decodes to " + std::to_string(length) + " bytes, more than a DICOM file can hold");
  decoded.buffer.resize(length);
  if (!image.GetBuffer(decoded.buffer.data())) throw Error(where, "PixelData", "cannot be decoded");
  decoded.path = where;
  decoded.format = pf;
  decoded.frames = frames;
}

void mapPixels(const char* pixels, size_t count, const gdcm::PixelFormat& pf, const PixelMapping& mapping, float* out) {
  const unsigned bytes = pf.GetBitsAllocated() / 8;
  if (pf.GetScalarType() == gdcm::PixelFormat::FLOAT32) return mapReals<float>(pixels, count, mapping, out);
  if (pf.GetScalarType() == gdcm::PixelFormat::FLOAT64) return mapReals<double>(pixels, count, mapping, out);
  switch (bytes) {
    case 1: return mapIntegers<uint8_t>(pixels, count, mapping, out);
    case 2: return mapIntegers<uint16_t>(pixels, count, mapping, out);
    case 4: return mapIntegers<uint32_t>(pixels, count, mapping, out);
    default: return mapIntegers<uint64_t>(pixels, count, mapping, out);
  }
}

void readSliceInto(const DicomHeader& h, float* out, size_t pixelsPerSlice, DecodedFile& decoded) {
  const size_t pixelsPerFrame = size_t{h.fileRows()} * h.fileColumns();
  decodeFile(h, pixelsPerFrame, decoded);
  const gdcm::PixelFormat& pf = decoded.format;
  const unsigned bytes = pf.GetBitsAllocated() / 8;
  const PixelMapping mapping(pf, h);
  if (h.tileIndex >= 0) {  // a mosaic tile: its rows, taken out of the stored image
    const size_t tileRow = size_t(h.tileIndex) / h.tilesAcross, tileColumn = size_t(h.tileIndex) % h.tilesAcross;
    for (size_t y = 0; y < h.rows; ++y) {
      const size_t at = (tileRow * h.rows + y) * h.fileColumns() + tileColumn * h.columns;
      mapPixels(decoded.buffer.data() + at * bytes, h.columns, pf, mapping, out + y * h.columns);
    }
    return;
  }
  const char* pixels = decoded.buffer.data() + std::max(0, h.frameIndex) * pixelsPerSlice * bytes;
  mapPixels(pixels, pixelsPerSlice, pf, mapping, out);
}

// One slice (or mosaic tile) as int16, when its decoded pixels are 8 or 16-bit integers; false when
// they are not, or a value does not fit.
bool readSliceIntoInt16(const DicomHeader& h, int16_t* out, size_t pixelsPerSlice, DecodedFile& decoded) {
  const size_t pixelsPerFrame = size_t{h.fileRows()} * h.fileColumns();
  decodeFile(h, pixelsPerFrame, decoded);
  const gdcm::PixelFormat& pf = decoded.format;
  const unsigned bytes = pf.GetBitsAllocated() / 8;
  if (pf.GetScalarType() == gdcm::PixelFormat::FLOAT32 || pf.GetScalarType() == gdcm::PixelFormat::FLOAT64 ||
      (bytes != 1 && bytes != 2))
    return false;
  const PixelMapping mapping(pf, h);
  const auto map = [&](const char* pixels, size_t n, int16_t* to) {
    return bytes == 1 ? mapIntegersToInt16<uint8_t>(pixels, n, mapping, to) : mapIntegersToInt16<uint16_t>(pixels, n, mapping, to);
  };
  if (h.tileIndex >= 0) {
    const size_t tileRow = size_t(h.tileIndex) / h.tilesAcross, tileColumn = size_t(h.tileIndex) % h.tilesAcross;
    for (size_t y = 0; y < h.rows; ++y) {
      const size_t at = (tileRow * h.rows + y) * h.fileColumns() + tileColumn * h.columns;
      if (!map(decoded.buffer.data() + at * bytes, h.columns, out + y * h.columns)) return false;
    }
    return true;
  }
  return map(decoded.buffer.data() + std::max(0, h.frameIndex) * pixelsPerSlice * bytes, pixelsPerSlice, out);
}

// Whole values whatever the pixels: integers stored, whole RescaleSlope and RescaleIntercept.
bool givesWholeValues(const DicomHeader& h) {
  const auto whole = [](double v) { return std::isfinite(v) && std::abs(v) < 1e6 && v == std::round(v); };
  return (h.bitsAllocated == 8 || h.bitsAllocated == 16) && whole(h.rescaleSlope) && whole(h.rescaleIntercept);
}

// What both readers refuse before allocating: slices of other sizes, pixels known to be unreadable
// from their headers, volumes past the limit.
void checkBeforeReading(const SliceStack& stack) {
  const auto& first = stack.slices.front();
  const std::string series = first.path.parent_path().string();
  for (const auto& h : stack.slices) {
    if (h.rows != first.rows || h.columns != first.columns)
      throw Error(h.path.string(), "Rows/Columns", "differs from the other slices of the series");
  }
  for (const auto& h : stack.slices)
    if (!h.pixelDataProblem.empty()) throw Error(h.path.string(), h.pixelDataProblemField, h.pixelDataProblem);
  const double voxels = double(first.columns) * first.rows * double(stack.slices.size());
  if (voxels > double(kMaxVolumeVoxels))
    throw Error(series, "Rows/Columns", std::to_string(first.columns) + " x " + std::to_string(first.rows) + " x " +
                                            std::to_string(stack.slices.size()) + " voxels exceed the limit of " +
                                            std::to_string(kMaxVolumeVoxels) + " per volume");
}

template <typename TImage>
typename TImage::Pointer allocateVolume(const SliceStack& stack) {
  const auto& h = stack.slices.front();
  auto image = TImage::New();
  typename TImage::SizeType size{{h.columns, h.rows, static_cast<itk::SizeValueType>(stack.slices.size())}};
  image->SetRegions(typename TImage::RegionType(size));
  typename TImage::DirectionType direction;
  for (unsigned r = 0; r < 3; ++r) {
    direction(r, 0) = stack.rowDirection[r];
    direction(r, 1) = stack.columnDirection[r];
    direction(r, 2) = stack.normal[r];
  }
  image->SetDirection(direction);
  image->SetOrigin(stack.origin.data());
  image->SetSpacing(stack.spacing.data());
  allocateLarge(*image);
  return image;
}

}  // namespace

IrregularGeometry parseIrregularGeometry(const std::string& text) {
  if (text == "resample") return IrregularGeometry::Resample;
  if (text == "fail") return IrregularGeometry::Fail;
  throw Error("", "irregular", "'" + text + "' is not one of: resample, fail");
}

ImageF::Pointer readSliceStack(const SliceStack& stack, IrregularGeometry policy, const Progress* progress) {
  const auto& first = stack.slices.front();
  const std::string series = first.path.parent_path().string();
  if (!stack.health.regular() && policy == IrregularGeometry::Fail)
    throw Error(series, "ImagePositionPatient", "irregular slice geometry: " + stack.health.summary());
  checkBeforeReading(stack);
  auto image = allocateVolume<ImageF>(stack);
  const size_t pixelsPerSlice = size_t{first.rows} * first.columns;
  float* out = image->GetBufferPointer();
  // Files decode independently: split the slices over ITK's thread count (which `run -j` divides).
  // Progress is reported by the first part's thread only, with the count of all parts.
  std::atomic<size_t> done{0};
  const std::thread::id reporter = std::this_thread::get_id();
  forEachPart(stack.slices.size(), workerThreadCount(), [&](size_t begin, size_t end) {
    DecodedFile decoded;
    for (size_t k = begin; k < end; ++k) {
      if (progress) progress->throwIfCancelled();
      readSliceInto(stack.slices[k], out + k * pixelsPerSlice, pixelsPerSlice, decoded);
      const size_t count = ++done;
      if (progress && std::this_thread::get_id() == reporter) progress->report(double(count) / stack.slices.size(), "reading slices");
    }
  });
  if (progress) progress->report(1.0, "reading slices");
  if (stack.health.regular()) return image;
  logWarning(series + ": " + stack.health.summary() + "; resampled onto a regular grid");
  return resampleToRegularGrid(*image, stack);
}

ImageS::Pointer readSliceStackAsInt16(const SliceStack& stack, const Progress* progress) {
  if (!stack.health.regular()) return nullptr;  // resampling needs the float volume
  for (const auto& h : stack.slices)
    if (!givesWholeValues(h)) return nullptr;
  checkBeforeReading(stack);
  auto image = allocateVolume<ImageS>(stack);
  const size_t pixelsPerSlice = size_t{stack.slices.front().rows} * stack.slices.front().columns;
  int16_t* out = image->GetBufferPointer();
  std::atomic<size_t> done{0};
  std::atomic<bool> fits{true};
  const std::thread::id reporter = std::this_thread::get_id();
  forEachPart(stack.slices.size(), workerThreadCount(), [&](size_t begin, size_t end) {
    DecodedFile decoded;
    for (size_t k = begin; k < end && fits; ++k) {
      if (progress) progress->throwIfCancelled();
      if (!readSliceIntoInt16(stack.slices[k], out + k * pixelsPerSlice, pixelsPerSlice, decoded)) fits = false;
      const size_t count = ++done;
      if (progress && std::this_thread::get_id() == reporter) progress->report(double(count) / stack.slices.size(), "reading slices");
    }
  });
  if (!fits) return nullptr;
  if (progress) progress->report(1.0, "reading slices");
  return image;
}

}  // namespace medpipe
