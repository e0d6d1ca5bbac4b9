#include "medpipe/io/image_file.h"

#include <itkCastImageFilter.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>

#include <cmath>
#include <limits>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

bool holdsOnlyInt16Values(const ImageF& image) {
  const float* p = image.GetBufferPointer();
  const size_t n = image.GetPixelContainer()->Size();
  for (size_t i = 0; i < n; ++i) {
    const float v = p[i];
    if (v != std::nearbyint(v) || v < std::numeric_limits<int16_t>::min() || v > std::numeric_limits<int16_t>::max())
      return false;
  }
  return true;
}

template <typename TImage>
void writeWithItk(const TImage& image, const fs::path& path, const ImageWriteOptions& options) {
  writeAtomically(path, [&](const fs::path& tmp) {
    auto writer = itk::ImageFileWriter<TImage>::New();
    writer->SetInput(&image);
    writer->SetFileName(tmp.string());
    const bool compressed = fullExtension(path) != ".nii";
    writer->SetUseCompression(compressed);
    if (compressed) writer->SetCompressionLevel(options.compressionLevel);
    try {
      writer->Update();
    } catch (const itk::ExceptionObject& e) {
      throw Error(path.string(), "", std::string("cannot write image: ") + e.GetDescription());
    }
  });
}

template <typename TImage>
typename TImage::Pointer readWithItk(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path.string(), "", "no such file");
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(path.string());
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
  throw Error("", "--format", "'" + text + "' is not one of: nii.gz, nii, nrrd, mha");
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
  if (options.shrinkToInt16 && holdsOnlyInt16Values(image)) {
    auto cast = itk::CastImageFilter<ImageF, ImageS>::New();
    cast->SetInput(&image);
    cast->Update();
    writeWithItk(*cast->GetOutput(), path, options);
  } else {
    writeWithItk(image, path, options);
  }
}

void writeLabelImage(const LabelImage& labels, const fs::path& path, const ImageWriteOptions& options) {
  writeWithItk(labels, path, options);
}

ImageF::Pointer readImage(const fs::path& path) { return readWithItk<ImageF>(path); }
LabelImage::Pointer readLabelImage(const fs::path& path) { return readWithItk<LabelImage>(path); }

}  // namespace medpipe
