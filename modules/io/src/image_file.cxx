#include "medpipe/io/image_file.h"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdlib.h>  // mkdtemp

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"
#include "medpipe/core/parallel.h"
#include "medpipe/io/gzip_file.h"
#include "nifti_gz_reader.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

// The image as int16 when every voxel is a whole number in int16's range (CT in HU): half the
// bytes to write and compress. Checked and converted in one pass; null when a voxel does not fit.
template <unsigned D>
typename itk::Image<int16_t, D>::Pointer asInt16(const itk::Image<float, D>& image) {
  auto shrunk = itk::Image<int16_t, D>::New();
  shrunk->CopyInformation(&image);
  shrunk->SetRegions(image.GetBufferedRegion());
  allocateLarge(*shrunk);
  const float* p = image.GetBufferPointer();
  int16_t* out = shrunk->GetBufferPointer();
  const size_t n = image.GetPixelContainer()->Size();
  for (size_t i = 0; i < n; ++i) {
    const float v = p[i];
    if (!(v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max())) return nullptr;
    out[i] = static_cast<int16_t>(v);
    if (out[i] != v) return nullptr;
  }
  return shrunk;
}

// A compressed MetaImage says how many bytes of data follow its header; ITK reads a truncated one
// without an error, so the check is done here.
void checkMetaImageSize(const fs::path& file, uintmax_t size, const fs::path& reportedPath) {
  std::ifstream in(file, std::ios::binary);
  std::string head(size_t(std::min<uintmax_t>(size, 65536)), '\0');
  in.read(&head[0], std::streamsize(head.size()));
  const std::string last = "ElementDataFile = LOCAL\n", key = "CompressedDataSize = ";
  const auto end = head.find(last), at = head.find(key);
  uintmax_t expected = 0;
  if (end != std::string::npos && at != std::string::npos) expected = end + last.size() + std::stoull(head.substr(at + key.size(), 20));
  if (end == std::string::npos || at == std::string::npos || size < expected)
    throw Error(reportedPath.string(), "", "cannot write image (disk full?): " + std::to_string(size) +
                                               " bytes written, " + std::to_string(expected) + " expected");
}

template <typename TImage>
void writeItkFile(const TImage& image, const fs::path& file, const fs::path& reportedPath, bool compress, int level) {
  {  // ITK's own message for a file it cannot create is vague (or only on stderr): say why first.
    std::ofstream probe(file, std::ios::binary);
    if (!probe) throw Error(reportedPath.string(), "", std::string("cannot write image: ") + std::strerror(errno));
  }
  auto writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(&image);
  writer->SetFileName(file.string());
  writer->SetUseCompression(compress);
  if (compress) writer->SetCompressionLevel(level);
  try {
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    std::string description = e.GetDescription();  // one line, as every medpipe error
    for (auto& c : description)
      if (c == '\n') c = ' ';
    throw Error(reportedPath.string(), "", "cannot write image: " + description);
  }
  // ITK's NIfTI and MetaImage writers report a failed write (a full disk) on stderr only and return
  // normally: check the file before it is renamed into place. Uncompressed: its size; compressed:
  // it must read back whole.
  const uintmax_t pixelBytes = image.GetLargestPossibleRegion().GetNumberOfPixels() * sizeof(typename TImage::PixelType);
  std::error_code ec;
  const uintmax_t size = fs::file_size(file, ec);
  if (ec || (!compress && size < pixelBytes))
    throw Error(reportedPath.string(), "", "cannot write image (disk full?): " + std::to_string(ec ? 0 : size) +
                                               " bytes written, at least " + std::to_string(pixelBytes) + " expected");
  if (compress && file.extension() == ".mha") return checkMetaImageSize(file, size, reportedPath);
  if (compress) {
    auto reader = itk::ImageFileReader<TImage>::New();
    reader->SetFileName(file.string());
    try {
      reader->Update();
    } catch (const itk::ExceptionObject&) {
      throw Error(reportedPath.string(), "", "cannot write image (disk full?): the written file does not read back");
    }
  }
}

// ITK's NIfTI header for a 3D image, from a plain NIfTI of its first two slices with dim[3] set
// to the image's slice count: the header depends on the geometry, not on the slice count or the
// voxels (a test compares .nii.gz written this way with ITK's .nii of the whole image). Empty
// where that does not hold (fewer than 2 slices, more than NIfTI-1's 32767, not 3D).
template <typename TFile, typename TImage>
std::string niftiHeader(const TImage& image, const fs::path& plain, const fs::path& reportedPath) {
  const auto size = image.GetBufferedRegion().GetSize();
  if (TImage::ImageDimension != 3 || size[2] < 2 || size[2] > 32767 ||
      image.GetBufferedRegion() != image.GetLargestPossibleRegion())
    return {};
  auto slab = TFile::New();
  slab->CopyInformation(&image);
  auto slabSize = size;
  slabSize[2] = 2;
  slab->SetRegions(typename TFile::RegionType(image.GetLargestPossibleRegion().GetIndex(), slabSize));
  slab->Allocate(true);
  writeItkFile(*slab, plain, reportedPath, false, 1);
  std::ifstream in(plain, std::ios::binary);
  std::string head(352, '\0');
  in.read(&head[0], std::streamsize(head.size()));
  const uintmax_t slabBytes = size[0] * size[1] * 2 * sizeof(typename TFile::PixelType);
  int16_t dims[4];
  float voxOffset = 0;
  std::memcpy(dims, head.data() + 40, sizeof dims);
  std::memcpy(&voxOffset, head.data() + 108, sizeof voxOffset);
  std::error_code ec;
  if (!in || fs::file_size(plain, ec) != 352 + slabBytes || voxOffset != 352 || dims[0] != 3 || dims[3] != 2)
    return {};
  dims[3] = static_cast<int16_t>(size[2]);
  std::memcpy(&head[40], dims, sizeof dims);
  return head;
}

template <typename TImage>
void writeWithItk(const TImage& image, const fs::path& path, const ImageWriteOptions& options) {
  writeAtomically(path, [&](const fs::path& tmp) {
    if (fullExtension(path) != ".nii.gz") {
      writeItkFile(image, tmp, path, fullExtension(path) != ".nii", options.compressionLevel);
      return;
    }
    fs::path plain = tmp;
    plain.replace_extension();  // drop ".gz"
    try {
      // The voxels go from memory to gzip: writing them as plain NIfTI and reading them back cost
      // about 0.3 s of CPU on a 512x512x300 CT (ITK writes the buffer as it is, little-endian here).
      if (const std::string head = niftiHeader<TImage>(image, plain, path); !head.empty()) {
        fs::remove(plain);
        gzipBytes(head, image.GetBufferPointer(),
                  image.GetBufferedRegion().GetNumberOfPixels() * sizeof(typename TImage::PixelType), tmp,
                  options.compressionLevel, workerThreadCount(), path);
        return;
      }
      writeItkFile(image, plain, path, false, options.compressionLevel);
      // ITK 5.2's NIfTI writer ignores the compression level (always zlib's default, ~6) and
      // compresses on one thread: write plain NIfTI, then gzip it on all threads at the level asked for.
      gzipFile(plain, tmp, options.compressionLevel, workerThreadCount(), path);
    } catch (...) {
      std::error_code ignored;
      fs::remove(plain, ignored);
      throw;
    }
    fs::remove(plain);
  });
}

// Whether every voxel is a whole number in int16's range (CT in HU), as asInt16 decides it.
bool fitsInt16(const ImageF& image) {
  const float* p = image.GetBufferPointer();
  const size_t n = image.GetPixelContainer()->Size();
  constexpr size_t kChunk = 1 << 16;
  for (size_t begin = 0; begin < n; begin += kChunk) {
    bool fits = true;  // no early exit inside a chunk, so that it vectorises
    for (size_t i = begin, end = std::min(n, begin + kChunk); i < end; ++i) {
      const float v = p[i];
      fits &= v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max() &&
              static_cast<float>(static_cast<int16_t>(v)) == v;
    }
    if (!fits) return false;
  }
  return true;
}

struct NoNiftiHeader {};  // ITK's header did not have the expected layout: written the usual way

// A float image that fits int16 as .nii.gz in int16, converted as gzip takes the voxels: the same
// file as asInt16 and writeWithItk make, without the int16 copy of the volume (157 MB for a
// 512x512x300 CT) and its pass. False where the header cannot be made so (see niftiHeader).
bool writeNiftiGzAsInt16(const ImageF& image, const fs::path& path, const ImageWriteOptions& options) {
  const auto size = image.GetBufferedRegion().GetSize();
  if (size[2] < 2 || size[2] > 32767 || image.GetBufferedRegion() != image.GetLargestPossibleRegion()) return false;
  const float* voxels = image.GetBufferPointer();
  const uintmax_t dataBytes = uintmax_t{image.GetPixelContainer()->Size()} * sizeof(int16_t);
  try {
    writeAtomically(path, [&](const fs::path& tmp) {
      fs::path plain = tmp;
      plain.replace_extension();  // drop ".gz"
      std::string head;
      try {
        head = niftiHeader<ImageS>(image, plain, path);
      } catch (...) {
        std::error_code ignored;
        fs::remove(plain, ignored);
        throw;
      }
      fs::remove(plain);
      if (head.empty()) throw NoNiftiHeader{};
      gzipBytes(head, dataBytes, [&](unsigned char* destination, uintmax_t offset, size_t count) {
        for (size_t b = 0; b < count;) {  // byte by byte only where a voxel straddles the batch's edge
          const uintmax_t at = offset + b;
          const int16_t v = static_cast<int16_t>(voxels[at / 2]);
          if (at % 2 == 0 && b + 2 <= count) {
            std::memcpy(destination + b, &v, 2);
            b += 2;
          } else {
            std::memcpy(destination + b, reinterpret_cast<const unsigned char*>(&v) + at % 2, 1);
            b += 1;
          }
        }
      }, tmp, options.compressionLevel, workerThreadCount(), path);
    });
  } catch (const NoNiftiHeader&) {
    return false;
  }
  return true;
}

// ITK's NIfTI library, asked for a.nii.gz, reads the voxels of a.nii where that exists too: a NIfTI
// file with such a sibling is read through a link of its own name in a private folder.
class ItkReadPath {
 public:
  explicit ItkReadPath(const fs::path& file) : path(file) {
    const std::string extension = fullExtension(file);
    if (extension != ".nii.gz" && extension != ".nii") return;
    fs::path sibling = file;
    sibling.replace_extension();  // a.nii.gz -> a.nii, a.nii -> a
    if (extension == ".nii") sibling += ".nii.gz";
    std::error_code ec;
    if (!fs::exists(sibling, ec)) return;
    std::string folder = (fs::temp_directory_path(ec) / "medpipe-read-XXXXXX").string();
    if (!mkdtemp(folder.data())) return;
    folder_ = folder;
    fs::create_symlink(fs::absolute(file, ec), folder_ / ("image" + extension), ec);
    if (!ec) path = folder_ / ("image" + extension);
  }
  ~ItkReadPath() {
    std::error_code ignored;
    if (!folder_.empty()) fs::remove_all(folder_, ignored);
  }
  ItkReadPath(const ItkReadPath&) = delete;
  ItkReadPath& operator=(const ItkReadPath&) = delete;
  fs::path path;  // what ITK is given

 private:
  fs::path folder_;
};

template <typename TImage>
typename TImage::Pointer readWithItk(const fs::path& path, const fs::path& itkPath) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path.string(), "", "no such file");
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(itkPath.string());
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw Error(path.string(), "", std::string("cannot read image: ") + e.GetDescription());
  }
  return reader->GetOutput();
}

}  // namespace

ImageFormat parseImageFormat(const std::string& text) {
  if (text == "nii.gz") return ImageFormat::NiftiGz;
  if (text == "nii") return ImageFormat::Nifti;
  if (text == "nrrd") return ImageFormat::Nrrd;
  if (text == "mha") return ImageFormat::Mha;
  throw Error("", "format", "'" + text + "' is not one of: nii.gz, nii, nrrd, mha");
}

std::string fileExtension(ImageFormat format) {
  switch (format) {
    case ImageFormat::NiftiGz: return ".nii.gz";
    case ImageFormat::Nifti: return ".nii";
    case ImageFormat::Nrrd: return ".nrrd";
    case ImageFormat::Mha: return ".mha";
  }
  return ".nii.gz";
}

void writeImage(const ImageF& image, const fs::path& path, const ImageWriteOptions& options) {
  if (options.shrinkToInt16 && fullExtension(path) == ".nii.gz" && fitsInt16(image) &&
      writeNiftiGzAsInt16(image, path, options))
    return;
  if (options.shrinkToInt16) {
    if (const ImageS::Pointer shrunk = asInt16(image)) return writeWithItk(*shrunk, path, options);
  }
  writeWithItk(image, path, options);
}

void writeImage(const ImageS& image, const fs::path& path, const ImageWriteOptions& options) {
  writeWithItk(image, path, options);
}

void writeImage(const ImageF4& image, const fs::path& path, const ImageWriteOptions& options) {
  if (options.shrinkToInt16) {
    if (const auto shrunk = asInt16(image)) return writeWithItk(*shrunk, path, options);
  }
  writeWithItk(image, path, options);
}

ImageF4::Pointer allocateSeries(const ImageF& first, size_t volumes, double timeStep) {
  const auto size3 = first.GetLargestPossibleRegion().GetSize();
  auto out = ImageF4::New();
  out->SetRegions(ImageF4::RegionType(ImageF4::SizeType{{size3[0], size3[1], size3[2], volumes}}));
  ImageF4::SpacingType spacing;
  ImageF4::PointType origin;
  ImageF4::DirectionType direction;
  direction.SetIdentity();
  for (unsigned r = 0; r < 3; ++r) {
    spacing[r] = first.GetSpacing()[r];
    origin[r] = first.GetOrigin()[r];
    for (unsigned c = 0; c < 3; ++c) direction(r, c) = first.GetDirection()(r, c);
  }
  spacing[3] = timeStep > 0 ? timeStep : 1.0;
  origin[3] = 0;
  out->SetSpacing(spacing);
  out->SetOrigin(origin);
  out->SetDirection(direction);
  allocateLarge(*out);
  return out;
}

void setVolume(ImageF4& series, size_t t, const ImageF& volume) {
  const auto size4 = series.GetLargestPossibleRegion().GetSize();
  const auto size3 = volume.GetLargestPossibleRegion().GetSize();
  constexpr double tolerance = 1e-4;  // mm, and direction cosines
  bool same = t < size4[3] && size3[0] == size4[0] && size3[1] == size4[1] && size3[2] == size4[2];
  for (unsigned r = 0; r < 3 && same; ++r) {
    same = std::abs(volume.GetSpacing()[r] - series.GetSpacing()[r]) < tolerance &&
           std::abs(volume.GetOrigin()[r] - series.GetOrigin()[r]) < tolerance;
    for (unsigned c = 0; c < 3 && same; ++c)
      same = std::abs(volume.GetDirection()(r, c) - series.GetDirection()(r, c)) < tolerance;
  }
  if (!same)
    throw Error("", "ImagePositionPatient", "volume " + std::to_string(t + 1) + " of the series is not on the grid of volume 1");
  const size_t voxels = volume.GetLargestPossibleRegion().GetNumberOfPixels();
  std::copy(volume.GetBufferPointer(), volume.GetBufferPointer() + voxels, series.GetBufferPointer() + t * voxels);
}

ImageF4::Pointer readImage4D(const fs::path& path) { return readWithItk<ImageF4>(path, ItkReadPath(path).path); }

void writeLabelImage(const LabelImage& labels, const fs::path& path, const ImageWriteOptions& options) {
  writeWithItk(labels, path, options);
}

ImageF::Pointer readImage(const fs::path& path) {
  const ItkReadPath itkPath(path);
  if (fullExtension(path) == ".nii.gz")
    if (ImageF::Pointer image = readNiftiGzWithLibdeflate(path, itkPath.path)) return image;
  return readWithItk<ImageF>(path, itkPath.path);
}

LabelImage::Pointer readLabelImage(const fs::path& path) {
  return readWithItk<LabelImage>(path, ItkReadPath(path).path);
}

}  // namespace medpipe
