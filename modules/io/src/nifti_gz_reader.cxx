#include "nifti_gz_reader.h"

#include <itkImageFileReader.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"
#include "medpipe/core/parallel.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

constexpr size_t kHeaderBytes = 348;  // NIfTI-1

struct NiftiHeader {
  int16_t dim[8] = {};
  int16_t datatype = 0;
  float voxOffset = 0, sclSlope = 0, sclInter = 0;
};

template <typename T>
T at(const unsigned char* bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes + offset, sizeof value);
  return value;
}

// The header of a little-endian NIfTI-1 single file (the first 348 bytes, through zlib), if it is one.
bool readHeader(const fs::path& file, NiftiHeader& h) {
  gzFile in = gzopen(file.string().c_str(), "rb");
  if (!in) return false;
  unsigned char bytes[kHeaderBytes];
  const int got = gzread(in, bytes, kHeaderBytes);
  gzclose(in);
  if (got != int(kHeaderBytes) || at<int32_t>(bytes, 0) != int32_t(kHeaderBytes) ||
      std::memcmp(bytes + 344, "n+1\0", 4) != 0)
    return false;
  for (int d = 0; d < 8; ++d) h.dim[d] = at<int16_t>(bytes, 40 + 2 * size_t(d));
  h.datatype = at<int16_t>(bytes, 70);
  h.voxOffset = at<float>(bytes, 108);
  h.sclSlope = at<float>(bytes, 112);
  h.sclInter = at<float>(bytes, 116);
  return true;
}

size_t bytesOf(int16_t datatype) {
  switch (datatype) {
    case 2: case 256: return 1;   // uint8, int8
    case 4: case 512: return 2;   // int16, uint16
    case 8: case 768: case 16: return 4;  // int32, uint32, float32
    case 64: return 8;            // float64
    default: return 0;
  }
}

template <typename T>
void convert(const unsigned char* data, float* out, size_t n) {
  forEachPart(n, workerThreadCount(), [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = static_cast<float>(at<T>(data, i * sizeof(T)));
  });
}

void convertVoxels(int16_t datatype, const unsigned char* data, float* out, size_t n) {
  switch (datatype) {
    case 2: return convert<uint8_t>(data, out, n);
    case 256: return convert<int8_t>(data, out, n);
    case 4: return convert<int16_t>(data, out, n);
    case 512: return convert<uint16_t>(data, out, n);
    case 8: return convert<int32_t>(data, out, n);
    case 768: return convert<uint32_t>(data, out, n);
    case 16: return convert<float>(data, out, n);
    case 64: return convert<double>(data, out, n);
  }
}

enum class Inflated { Whole, Short, Other };

// Every gzip member of `in`, in order, into exactly `out.size()` bytes: Whole (bytes after the last
// member that are not one are ignored, as zlib's gzread ignores them), Short (the data ends or is
// damaged before the voxels do), Other (more data than the header says, or no decompressor).
Inflated inflateMembers(const std::vector<unsigned char>& in, std::vector<unsigned char>& out) {
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(libdeflate_alloc_decompressor(),
                                                                                 libdeflate_free_decompressor);
  if (!d) return Inflated::Other;
  size_t inAt = 0, outAt = 0;
  while (outAt < out.size()) {
    size_t inUsed = 0, outUsed = 0;
    const auto result = libdeflate_gzip_decompress_ex(d.get(), in.data() + inAt, in.size() - inAt, out.data() + outAt,
                                                      out.size() - outAt, &inUsed, &outUsed);
    if (result == LIBDEFLATE_INSUFFICIENT_SPACE) return Inflated::Other;
    if (result != LIBDEFLATE_SUCCESS) return Inflated::Short;
    inAt += inUsed, outAt += outUsed;
  }
  return Inflated::Whole;
}

}  // namespace

ImageF::Pointer readNiftiGzWithLibdeflate(const fs::path& file, const fs::path& itkPath) {
  NiftiHeader h;
  if (!readHeader(file, h) || h.dim[0] != 3 || bytesOf(h.datatype) == 0) return nullptr;
  if (!(h.sclSlope == 0 || (h.sclSlope == 1 && h.sclInter == 0))) return nullptr;  // ITK rescales those
  if (!(h.voxOffset >= kHeaderBytes) || h.voxOffset != float(size_t(h.voxOffset))) return nullptr;

  auto reader = itk::ImageFileReader<ImageF>::New();
  reader->SetFileName(itkPath.string());
  try {
    reader->UpdateOutputInformation();
  } catch (const itk::ExceptionObject&) {
    return nullptr;
  }
  const itk::ImageIOBase* io = reader->GetImageIO();
  if (!io || io->GetNumberOfComponents() != 1 || io->GetNumberOfDimensions() != 3) return nullptr;
  uintmax_t voxels = 1;
  for (unsigned d = 0; d < 3; ++d) {
    if (h.dim[d + 1] < 1 || io->GetDimensions(d) != size_t(h.dim[d + 1])) return nullptr;
    voxels *= size_t(h.dim[d + 1]);
  }

  std::vector<unsigned char> packed, plain;
  {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) return nullptr;
    packed.resize(size_t(in.tellg()));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(packed.data()), std::streamsize(packed.size()))) return nullptr;
  }
  const size_t offset = size_t(h.voxOffset);
  plain.resize(offset + voxels * bytesOf(h.datatype));
  switch (inflateMembers(packed, plain)) {
    case Inflated::Whole: break;
    case Inflated::Other: return nullptr;
    case Inflated::Short:  // ITK's reader would fill the rest with whatever and say nothing
      throw Error(file.string(), "", "cannot read image: the compressed data ends or is damaged before the last voxel");
  }
  std::vector<unsigned char>().swap(packed);

  const ImageF* geometry = reader->GetOutput();
  auto image = ImageF::New();
  image->CopyInformation(geometry);
  image->SetRegions(geometry->GetLargestPossibleRegion());
  image->SetMetaDataDictionary(geometry->GetMetaDataDictionary());
  allocateLarge(*image);
  convertVoxels(h.datatype, plain.data() + offset, image->GetBufferPointer(), voxels);
  return image;
}

}  // namespace medpipe
