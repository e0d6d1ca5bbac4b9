#include "mr_attributes.h"

#include <gdcmSequenceOfItems.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <sstream>
#include <tuple>

#include "medpipe/io/csa_header.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe {
namespace {

// DICOM tags medpipe reads here, named (dcm2niix's habit) instead of raw
// numbers in the code.
const gdcm::Tag kSpacingBetweenSlices(0x0018, 0x0088), kInversionTime(0x0018, 0x0082),
    kImagingFrequency(0x0018, 0x0084), kPixelBandwidth(0x0018, 0x0095), kManufacturerModelName(0x0008, 0x1090),
    kProtocolName(0x0018, 0x1030), kSequenceName(0x0018, 0x0024), kScanningSequence(0x0018, 0x0020),
    kSequenceVariant(0x0018, 0x0021), kMrAcquisitionType(0x0018, 0x0023), kPatientPosition(0x0018, 0x5100),
    kSoftwareVersions(0x0018, 0x1020), kBodyPartExamined(0x0018, 0x0015), kInPlanePhaseEncoding(0x0018, 0x1312),
    kDiffusionBValue(0x0018, 0x9087), kDiffusionGradientOrientation(0x0018, 0x9089),
    kDiffusionGradientDirectionSequence(0x0018, 0x9076);

const gdcm::ByteValue* bytesOf(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
  if (!ds.FindDataElement(tag)) return nullptr;
  const gdcm::DataElement& de = ds.GetDataElement(tag);
  if (de.IsEmpty()) return nullptr;
  return de.GetByteValue();
}

std::string text(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
  const gdcm::ByteValue* bytes = bytesOf(ds, tag);
  if (!bytes || !bytes->GetPointer()) return {};
  std::string s(bytes->GetPointer(), bytes->GetLength());
  s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
  const auto first = s.find_first_not_of(' '), last = s.find_last_not_of(' ');
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

// Backslash-separated decimal text (DS, IS), skipping what is not a finite
// number.
std::vector<double> decimals(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
  std::vector<double> out;
  std::stringstream stream(text(ds, tag));
  std::string item;
  while (std::getline(stream, item, '\\')) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (end != item.c_str() && std::isfinite(v)) out.push_back(v);
  }
  return out;
}

double decimal(const gdcm::DataSet& ds, const gdcm::Tag& tag, double fallback = 0) {
  const auto values = decimals(ds, tag);
  return values.empty() ? fallback : values.front();
}

// Binary values (FD, FL, US) in the file's byte order.
template <typename T>
std::vector<double> binaries(const gdcm::DataSet& ds, const gdcm::Tag& tag, bool bigEndian) {
  std::vector<double> out;
  const gdcm::ByteValue* bytes = bytesOf(ds, tag);
  if (!bytes || !bytes->GetPointer()) return out;
  for (size_t at = 0; at + sizeof(T) <= bytes->GetLength(); at += sizeof(T)) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, bytes->GetPointer() + at, sizeof(T));
    if (bigEndian) std::reverse(raw, raw + sizeof(T));
    T v;
    std::memcpy(&v, raw, sizeof(T));
    if (std::isfinite(double(v))) out.push_back(double(v));
  }
  return out;
}

// The element `low` of the private block reserved by `creator` in `group`, e.g.
// (0029,xx10) of "SIEMENS CSA HEADER". Without a matching creator, block 0x10,
// where every vendor puts it.
gdcm::Tag privateTag(const gdcm::DataSet& ds, uint16_t group, const char* creator, uint8_t low) {
  bool anyCreator = false;
  for (uint16_t block = 0x10; block <= 0xff; ++block) {
    const std::string owner = text(ds, gdcm::Tag(group, block));
    if (owner.empty()) continue;
    anyCreator = true;
    std::string a = owner, b = creator;
    for (auto* s : {&a, &b})
      std::transform(s->begin(), s->end(), s->begin(), [](unsigned char c) { return std::toupper(c); });
    if (a == b) return gdcm::Tag(group, uint16_t(block << 8 | low));
  }
  // Creators present, none of them this one: a tag no data set holds.
  return anyCreator ? gdcm::Tag(0xffff, 0xffff) : gdcm::Tag(group, uint16_t(0x1000 | low));
}

bool contains(std::string haystack, const char* needle) {
  std::transform(haystack.begin(), haystack.end(), haystack.begin(), [](unsigned char c) { return std::toupper(c); });
  return haystack.find(needle) != std::string::npos;
}

bool hasImageTypeValue(const std::string& imageType, const std::string& value) {
  std::stringstream stream(imageType);
  std::string item;
  while (std::getline(stream, item, '\\'))
    if (item == value) return true;
  return false;
}

// Classic MR images of one series may hold magnitude and phase (or real and imaginary) images,
// told apart only by ImageType's values after the first two (Siemens "ORIGINAL\\PRIMARY\\P\\ND"):
// the kind, as dcm2niix's file name suffix ("ph", "real", "imaginary"), empty for magnitude. Volumes
// of different kinds are never one volume (DicomHeader::frameKind).
std::string classicComplexPart(const std::string& imageType) {
  std::stringstream stream(imageType);
  std::string item;
  for (int index = 0; std::getline(stream, item, '\\'); ++index) {
    if (index < 2) continue;
    if (item == "P" || item == "PHASE") return "ph";
    if (item == "R" || item == "REAL") return "real";
    if (item == "I" || item == "IMAGINARY") return "imaginary";
  }
  return "";
}

std::optional<std::array<double, 3>> triple(const std::vector<double>& v) {
  if (v.size() != 3) return std::nullopt;
  return std::array<double, 3>{v[0], v[1], v[2]};
}

double norm(const std::array<double, 3>& v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

// GE stores the gradient relative to the image axes (0019,xxbb/bc/bd); dcm2niix
// (after Xiangrui Li's dicm2nii) turns it into its NIfTI frame with flips that
// depend on the slice orientation and the phase encoding direction. The same
// rule, expressed in patient axes (row r, column c, normal n).
std::array<double, 3> geGradientInPatientAxes(std::array<double, 3> v, const DicomHeader& h) {
  const auto& iop = *h.imageOrientation;
  const Vec3 r{iop[0], iop[1], iop[2]}, c{iop[3], iop[4], iop[5]}, n = cross(r, c);
  if (h.inPlanePhaseEncoding == "ROW") v = {v[1], -v[0], v[2]};
  const int major = std::abs(n[0]) >= std::abs(n[1]) && std::abs(n[0]) >= std::abs(n[2]) ? 0
                    : std::abs(n[1]) >= std::abs(n[2])                                   ? 1
                                                                                         : 2;
  // dcm2niix's flips per orientation: sagittal x and y, coronal y and z, axial
  // z.
  const std::array<bool, 3> flip = major == 0   ? std::array<bool, 3>{true, true, false}
                                   : major == 1 ? std::array<bool, 3>{false, true, true}
                                                : std::array<bool, 3>{false, false, true};
  for (int k = 0; k < 3; ++k)
    if (flip[k]) v[k] = -v[k];
  v = {-v[0], v[1], -v[2]};  // then its y flip and the overall sign, in its frame (r, -c, n)
  std::array<double, 3> out{};
  for (int k = 0; k < 3; ++k) out[k] = v[0] * r[k] - v[1] * c[k] + v[2] * n[k];
  return out;
}

void setDiffusion(DicomHeader& h, double b, std::optional<std::array<double, 3>> g, const char* source) {
  h.bValue = b;
  h.diffusionGradient = g;
  h.diffusionSource = source;
}

// Checks that a grid of across x down tiles divides the mosaic and that the mosaic can be placed;
// sets the grid, or the reason it cannot be split (in pixelDataProblem).
void setMosaicGrid(DicomHeader& h, unsigned across, unsigned down, const char* countField) {
  if (across == 0 || down == 0 || h.rows % down != 0 || h.columns % across != 0) {
    h.pixelDataProblem = std::to_string(h.mosaicTiles) + " tiles need a grid of " + std::to_string(across) + " x " +
                         std::to_string(down) + ", which does not divide the " + std::to_string(h.columns) + " x " +
                         std::to_string(h.rows) + " mosaic";
    h.pixelDataProblemField = countField;
    return;
  }
  if (h.numberOfFrames > 1) {
    h.pixelDataProblem = "a mosaic with several frames is not supported";
    h.pixelDataProblemField = "NumberOfFrames";
    return;
  }
  if (!h.imagePosition || !h.imageOrientation || !h.pixelSpacing) {
    h.pixelDataProblem =
        "a mosaic without ImagePositionPatient, ImageOrientationPatient and "
        "PixelSpacing cannot be placed";
    h.pixelDataProblemField = !h.imagePosition      ? "ImagePositionPatient"
                              : !h.imageOrientation ? "ImageOrientationPatient"
                                                    : "PixelSpacing";
    return;
  }
  h.tilesAcross = across;
}

void readSiemens(const gdcm::DataSet& ds, bool bigEndian, DicomHeader& h) {
  std::optional<CsaHeader> csa;
  std::string csaProblem;
  if (const gdcm::ByteValue* bytes = bytesOf(ds, privateTag(ds, 0x0029, "SIEMENS CSA HEADER", 0x10)))
    csa = CsaHeader::parse(bytes->GetPointer(), bytes->GetLength(), &csaProblem);
  const gdcm::Tag mrHeaderMosaic = privateTag(ds, 0x0019, "SIEMENS MR HEADER", 0x0a);
  if (csa) {
    if (auto positive = csa->number("PhaseEncodingDirectionPositive")) h.phaseEncodingPositive = *positive != 0;
    h.csaSliceNormal = triple(csa->numbers("SliceNormalVector"));
    h.mosaicSliceTimesMs = csa->numbers("MosaicRefAcqTimes");
    if (auto tiles = csa->number("NumberOfImagesInMosaic"); tiles && *tiles >= 1 && *tiles <= 65535)
      h.mosaicTiles = unsigned(*tiles);
    if (auto b = csa->number("B_value")) {
      auto g = triple(csa->numbers("DiffusionGradientDirection"));
      setDiffusion(h, *b, g, "Siemens CSA B_value/DiffusionGradientDirection");
    }
  }
  if (h.mosaic && h.mosaicTiles == 0) {  // Siemens' MR header repeats the tile count
    const auto tiles = binaries<uint16_t>(ds, mrHeaderMosaic, bigEndian);
    if (!tiles.empty() && tiles.front() >= 1) h.mosaicTiles = unsigned(tiles.front());
  }
  if (!h.mosaic) return;
  if (h.mosaicTiles == 0) {
    h.pixelDataProblem = "ImageType says MOSAIC, but neither the CSA image header (0029,xx10)" +
                         std::string(csa                  ? ""
                                     : csaProblem.empty() ? ", absent,"
                                                          : " (" + csaProblem + ")") +
                         " nor (0019,xx0A) gives the number of tiles: cannot split it into "
                         "slices";
    h.pixelDataProblemField = "NumberOfImagesInMosaic";
    return;
  }
  // Tiles fill a square grid row by row (dcm2niix and nibabel: ceil(sqrt(n))
  // across).
  const unsigned across = unsigned(std::ceil(std::sqrt(double(h.mosaicTiles)) - 1e-9));
  setMosaicGrid(h, across, across, "NumberOfImagesInMosaic");
}

// A DICOM time (TM: HHMMSS.ffffff, or HH:MM:SS of old files) as seconds since midnight.
std::optional<double> secondsOfDay(std::string tm) {
  tm.erase(std::remove(tm.begin(), tm.end(), ':'), tm.end());
  if (tm.size() < 6 || !std::all_of(tm.begin(), tm.begin() + 6, [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  const double fraction = tm.size() > 6 && tm[6] == '.' ? std::strtod(tm.c_str() + 6, nullptr) : 0;
  return std::stoi(tm.substr(0, 2)) * 3600 + std::stoi(tm.substr(2, 2)) * 60 + std::stoi(tm.substr(4, 2)) + fraction;
}

// UIH VFRAME mosaics (dcm2niix's reading): the tile count is NumberOfImagesInGrid (0065,xx50) of
// "Image Private Header"; the grid is ceil(sqrt(n)) tiles across and as many rows as needed (20
// tiles: 5 x 4, where Siemens uses 5 x 5); the items of (0065,xx51) hold each tile's
// ImagePositionPatient, in tile order (UIH stores none at the top level). As dcm2niix, tile k lies
// k x SpacingBetweenSlices from the first along the direction to the last; the positions are
// described to expandMosaic as Siemens' are (mosaic corner, slice normal), after checking that
// every tile lies where that puts it.
void readUihMosaic(const gdcm::DataSet& ds, DicomHeader& h) {
  h.mosaic = true;
  const auto count = decimals(ds, privateTag(ds, 0x0065, "Image Private Header", 0x50));
  if (count.empty() || count.front() < 1 || count.front() > 65535) {
    h.pixelDataProblem =
        "ImageType says VFRAME (a UIH mosaic), but (0065,xx50) of 'Image Private Header' gives no number of "
        "tiles: cannot split it into slices";
    h.pixelDataProblemField = "NumberOfImagesInGrid";
    return;
  }
  h.mosaicTiles = unsigned(std::lround(count.front()));
  std::vector<std::array<double, 3>> positions;
  std::vector<double> times;  // s since midnight
  const gdcm::Tag sequence = privateTag(ds, 0x0065, "Image Private Header", 0x51);
  if (ds.FindDataElement(sequence)) {
    const gdcm::DataElement& de = ds.GetDataElement(sequence);
    const auto* items =
        de.IsEmpty() || de.GetByteValue() ? nullptr : dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue());
    for (size_t i = 1; items && i <= items->GetNumberOfItems(); ++i) {
      const gdcm::DataSet& item = items->GetItem(i).GetNestedDataSet();
      if (auto p = triple(decimals(item, gdcm::Tag(0x0020, 0x0032)))) positions.push_back(*p);
      if (auto t = secondsOfDay(text(item, gdcm::Tag(0x0008, 0x0032)))) times.push_back(*t);
    }
  }
  // Slice timing: each tile's AcquisitionTime, from the earliest (dcm2niix reads the same times).
  if (times.size() == h.mosaicTiles && positions.size() == h.mosaicTiles) {
    const double earliest = *std::min_element(times.begin(), times.end());
    const double latest = *std::max_element(times.begin(), times.end());
    for (double t : times) {
      if (latest - earliest > 43200 && t < 43200) t += 86400;  // the mosaic spans midnight
      h.mosaicSliceTimesMs.push_back(t - earliest);
    }
    const double first = *std::min_element(h.mosaicSliceTimesMs.begin(), h.mosaicSliceTimesMs.end());
    for (double& t : h.mosaicSliceTimesMs) t = (t - first) * 1000;
  }
  if (positions.size() != h.mosaicTiles) {
    h.pixelDataProblem = "the UIH mosaic has " + std::to_string(h.mosaicTiles) +
                         " tiles, but its (0065,xx51) sequence gives " + std::to_string(positions.size()) +
                         " ImagePositionPatient values: its tiles cannot be placed";
    h.pixelDataProblemField = "ImagePositionPatient";
    return;
  }
  const unsigned across = unsigned(std::ceil(std::sqrt(double(h.mosaicTiles)) - 1e-9));
  const unsigned down = (h.mosaicTiles + across - 1) / across;
  if (!h.imageOrientation || !h.pixelSpacing || h.rows % down != 0 || h.columns % across != 0) {
    h.imagePosition = positions.front();  // setMosaicGrid names what is missing
    setMosaicGrid(h, across, down, "NumberOfImagesInGrid");
    return;
  }
  const auto& first = positions.front();
  const Vec3 toLast{positions.back()[0] - first[0], positions.back()[1] - first[1], positions.back()[2] - first[2]};
  const double length = std::sqrt(dot(toLast, toLast));
  if (h.mosaicTiles > 1 && length > 0) {
    h.csaSliceNormal = std::array<double, 3>{toLast[0] / length, toLast[1] / length, toLast[2] / length};
    if (h.spacingBetweenSlices <= 0) h.spacingBetweenSlices = length / (h.mosaicTiles - 1);
    for (unsigned k = 0; k < h.mosaicTiles; ++k) {
      double off = 0;
      for (int d = 0; d < 3; ++d)
        off = std::max(off, std::abs(first[d] + k * h.spacingBetweenSlices * (*h.csaSliceNormal)[d] - positions[k][d]));
      if (off > 0.01) {
        h.pixelDataProblem = "tile " + std::to_string(k + 1) + " of the UIH mosaic lies " + std::to_string(off) +
                             " mm from " + std::to_string(k) + " x SpacingBetweenSlices along its tiles: they are "
                             "not evenly spaced";
        h.pixelDataProblemField = "ImagePositionPatient";
        return;
      }
    }
  }
  // The mosaic's top left corner for expandMosaic, which adds half the mosaic less one tile.
  const auto& iop = *h.imageOrientation;
  const double alongRow = (double(h.columns) - h.columns / across) / 2 * (*h.pixelSpacing)[1];
  const double alongColumn = (double(h.rows) - h.rows / down) / 2 * (*h.pixelSpacing)[0];
  std::array<double, 3> corner{};
  for (int d = 0; d < 3; ++d) corner[d] = first[d] - alongRow * iop[d] - alongColumn * iop[3 + d];
  h.imagePosition = corner;
  setMosaicGrid(h, across, down, "NumberOfImagesInGrid");
}

// UIH: b-value (0065,xx09) and gradient (0065,xx37) of "Image Private Header", FD. The gradient is
// along the image's row, column and normal directions, not the patient's: dcm2niix's files keep the
// stored components (less its row flip) whatever the orientation (dcm_qa_uih's rotated series), so
// it is turned into patient axes here. UIH stores its b = 0 volumes as b = 1.25 with a zero gradient
// (volume_series.cxx takes them as b = 0).
void readUih(const gdcm::DataSet& ds, bool bigEndian, DicomHeader& h) {
  const auto b = binaries<double>(ds, privateTag(ds, 0x0065, "Image Private Header", 0x09), bigEndian);
  if (b.empty()) return;
  auto g = triple(binaries<double>(ds, privateTag(ds, 0x0065, "Image Private Header", 0x37), bigEndian));
  if (g && h.imageOrientation) {
    const auto& iop = *h.imageOrientation;
    const Vec3 r{iop[0], iop[1], iop[2]}, c{iop[3], iop[4], iop[5]}, n = cross(r, c);
    const auto s = *g;
    for (int d = 0; d < 3; ++d) (*g)[d] = s[0] * r[d] + s[1] * c[d] + s[2] * n[d];
  } else {
    g.reset();  // without the image's axes the direction is unknown
  }
  setDiffusion(h, b.front(), g, "UIH (0065,xx09) and (0065,xx37)");
}

void readGe(const gdcm::DataSet& ds, DicomHeader& h) {
  const auto slop = decimals(ds, privateTag(ds, 0x0043, "GEMS_PARM_01", 0x39));
  if (slop.empty()) return;
  double b = std::fmod(slop.front(), 1e9);  // GE adds 10^9 to flag some b-values
  std::optional<std::array<double, 3>> g;
  const gdcm::Tag x = privateTag(ds, 0x0019, "GEMS_ACQU_01", 0xbb), y = privateTag(ds, 0x0019, "GEMS_ACQU_01", 0xbc),
                  z = privateTag(ds, 0x0019, "GEMS_ACQU_01", 0xbd);
  const auto gx = decimals(ds, x), gy = decimals(ds, y), gz = decimals(ds, z);
  if (!gx.empty() && !gy.empty() && !gz.empty() && h.imageOrientation) {
    std::array<double, 3> v{gx[0], gy[0], gz[0]};
    const double length = norm(v);
    // A vector shorter than 1 scales the b-value by its squared length
    // (dcm2niix issue 163).
    if (length > 0.03 && length < 0.97) {
      b *= length * length;
      for (auto& c : v) c /= length;
    }
    if (b > 0 && length > 0.03) g = geGradientInPatientAxes(v, h);
  }
  setDiffusion(h, b, g, "GE (0043,xx39) and (0019,xxbb-bd)");
}

void readPhilips(const gdcm::DataSet& ds, bool bigEndian, DicomHeader& h) {
  const auto b = binaries<float>(ds, privateTag(ds, 0x2001, "Philips Imaging DD 001", 0x03), bigEndian);
  if (b.empty()) return;
  std::vector<double> g;
  for (uint8_t low : {0xb0, 0xb1, 0xb2}) {
    const auto c = binaries<float>(ds, privateTag(ds, 0x2005, "Philips MR Imaging DD 001", low), bigEndian);
    if (!c.empty()) g.push_back(c.front());
  }
  setDiffusion(h, b.front(), triple(g), "Philips (2001,xx03) and (2005,xxb0-b2)");
}

// The first item of a sequence GDCM parsed, or nullptr.
const gdcm::DataSet* firstItem(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
  if (!ds.FindDataElement(tag)) return nullptr;
  const gdcm::DataElement& de = ds.GetDataElement(tag);
  const auto* items =
      de.IsEmpty() || de.GetByteValue() ? nullptr : dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue());
  return items && items->GetNumberOfItems() >= 1 ? &items->GetItem(1).GetNestedDataSet() : nullptr;
}

// Enhanced MR objects keep their timing in functional groups (shared, else the first frame's):
// MR Timing and Related Parameters (TR, flip angle), MR Echo (effective TE), MR Modifier (TI).
void readEnhancedMrTiming(const gdcm::DataSet& ds, bool bigEndian, DicomHeader& h) {
  const gdcm::DataSet* groups[] = {firstItem(ds, gdcm::Tag(0x5200, 0x9229)), firstItem(ds, gdcm::Tag(0x5200, 0x9230))};
  for (const gdcm::DataSet* group : groups) {
    if (!group) continue;
    if (const auto* timing = firstItem(*group, gdcm::Tag(0x0018, 0x9112))) {
      if (h.repetitionTime <= 0) h.repetitionTime = decimal(*timing, gdcm::Tag(0x0018, 0x0080));
      if (h.flipAngle <= 0) h.flipAngle = decimal(*timing, gdcm::Tag(0x0018, 0x1314));
    }
    if (const auto* echo = firstItem(*group, gdcm::Tag(0x0018, 0x9114)); echo && h.echoTime <= 0) {
      const auto te = binaries<double>(*echo, gdcm::Tag(0x0018, 0x9082), bigEndian);  // EffectiveEchoTime
      if (!te.empty()) h.echoTime = te.front();
    }
    if (const auto* modifier = firstItem(*group, gdcm::Tag(0x0018, 0x9115)); modifier && h.inversionTime <= 0) {
      const auto ti = binaries<double>(*modifier, gdcm::Tag(0x0018, 0x9079), bigEndian);  // InversionTimes
      if (!ti.empty()) h.inversionTime = ti.front();
    }
  }
}

}  // namespace

std::optional<double> philipsScaleSlope(const gdcm::DataSet& ds, bool bigEndian) {
  auto slope = binaries<float>(ds, privateTag(ds, 0x2005, "Philips MR Imaging DD 001", 0x0e), bigEndian);
  if (slope.empty()) {
    gdcm::Tag sequence = privateTag(ds, 0x2005, "Philips MR Imaging DD 005", 0x0f);
    if (sequence.GetGroup() != 0x2005) sequence = gdcm::Tag(0x2005, 0x140f);
    if (const auto* item = firstItem(ds, sequence))
      slope = binaries<float>(*item, privateTag(*item, 0x2005, "Philips MR Imaging DD 001", 0x0e), bigEndian);
  }
  if (slope.empty() || slope.front() == 0) return std::nullopt;
  return slope.front();
}

void readDiffusionItem(const gdcm::DataSet& item, bool bigEndian, std::optional<double>& bValue,
                       std::optional<std::array<double, 3>>& gradient) {
  const auto b = binaries<double>(item, kDiffusionBValue, bigEndian);
  if (b.empty()) return;
  bValue = b.front();
  if (auto g = triple(binaries<double>(item, kDiffusionGradientOrientation, bigEndian))) gradient = g;
  if (!item.FindDataElement(kDiffusionGradientDirectionSequence)) return;
  const gdcm::DataElement& de = item.GetDataElement(kDiffusionGradientDirectionSequence);
  const auto* items =
      de.IsEmpty() || de.GetByteValue() ? nullptr : dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue());
  if (items && items->GetNumberOfItems() >= 1)
    if (auto g =
            triple(binaries<double>(items->GetItem(1).GetNestedDataSet(), kDiffusionGradientOrientation, bigEndian)))
      gradient = g;
}

void readMrAttributes(const gdcm::DataSet& ds, bool bigEndian, DicomHeader& h) {
  h.spacingBetweenSlices = decimal(ds, kSpacingBetweenSlices);
  h.inversionTime = decimal(ds, kInversionTime);
  h.imagingFrequency = decimal(ds, kImagingFrequency);
  h.pixelBandwidth = decimal(ds, kPixelBandwidth);
  h.manufacturerModel = text(ds, kManufacturerModelName);
  h.protocolName = text(ds, kProtocolName);
  h.sequenceName = text(ds, kSequenceName);
  h.scanningSequence = text(ds, kScanningSequence);
  h.sequenceVariant = text(ds, kSequenceVariant);
  h.mrAcquisitionType = text(ds, kMrAcquisitionType);
  h.patientPosition = text(ds, kPatientPosition);
  h.softwareVersions = text(ds, kSoftwareVersions);
  h.bodyPart = text(ds, kBodyPartExamined);
  h.inPlanePhaseEncoding = text(ds, kInPlanePhaseEncoding);
  h.mosaic = hasImageTypeValue(h.imageType, "MOSAIC");
  if (h.numberOfFrames > 1) readEnhancedMrTiming(ds, bigEndian, h);
  if (h.modality == "MR" && h.numberOfFrames <= 1 && h.frameKind.empty()) h.frameKind = classicComplexPart(h.imageType);
  if (contains(h.manufacturer, "PHILIPS") && !h.philipsScaleSlope)
    h.philipsScaleSlope = philipsScaleSlope(ds, bigEndian);

  // The standard attributes first (classic objects carry them at the top level); the vendor's where
  // they are absent or give a b-value without its direction (GE writes DiffusionBValue alone).
  readDiffusionItem(ds, bigEndian, h.bValue, h.diffusionGradient);
  if (h.bValue) h.diffusionSource = "DiffusionBValue/DiffusionGradientOrientation";
  const bool complete = h.bValue && (*h.bValue <= 0 || h.diffusionGradient);
  const auto standard = std::make_tuple(h.bValue, h.diffusionGradient, h.diffusionSource);
  if (contains(h.manufacturer, "UIH") && hasImageTypeValue(h.imageType, "VFRAME")) readUihMosaic(ds, h);
  if (contains(h.manufacturer, "SIEMENS"))
    readSiemens(ds, bigEndian, h);  // always: it reads the mosaic too
  else if (!complete && contains(h.manufacturer, "GE"))
    readGe(ds, h);
  else if (!complete && contains(h.manufacturer, "PHILIPS"))
    readPhilips(ds, bigEndian, h);
  else if (!complete && contains(h.manufacturer, "UIH"))
    readUih(ds, bigEndian, h);
  if (complete) std::tie(h.bValue, h.diffusionGradient, h.diffusionSource) = standard;
  if (h.bValue && *h.bValue <= 0) h.diffusionGradient.reset();
}

}  // namespace medpipe
