#include "medpipe/preview/png_file.h"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkPNGImageIO.h>
#include <itkRGBPixel.h>

#include <cstring>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"

namespace medpipe {
namespace {
using RgbItkImage = itk::Image<itk::RGBPixel<std::uint8_t>, 2>;
}  // namespace

void writePng(const RgbImage& image, const std::filesystem::path& path) {
  if (image.width == 0 || image.height == 0) throw Error(path.string(), "", "cannot write an empty picture");
  auto itkImage = RgbItkImage::New();
  itkImage->SetRegions(RgbItkImage::RegionType(RgbItkImage::SizeType{{image.width, image.height}}));
  itkImage->Allocate();
  std::memcpy(itkImage->GetBufferPointer(), image.pixels.data(), image.pixels.size());
  writeAtomically(path, [&](const std::filesystem::path& tmp) {
    auto writer = itk::ImageFileWriter<RgbItkImage>::New();
    // Named explicitly so the file name's extension does not matter and no factory is needed.
    writer->SetImageIO(itk::PNGImageIO::New());
    writer->SetInput(itkImage);
    writer->SetFileName(tmp.string());
    try {
      writer->Update();
    } catch (const itk::ExceptionObject& e) {
      throw Error(path.string(), "", std::string("cannot write PNG: ") + e.GetDescription());
    }
  });
}

RgbImage readPng(const std::filesystem::path& path) {
  auto reader = itk::ImageFileReader<RgbItkImage>::New();
  reader->SetImageIO(itk::PNGImageIO::New());
  reader->SetFileName(path.string());
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw Error(path.string(), "", std::string("cannot read PNG: ") + e.GetDescription());
  }
  const auto size = reader->GetOutput()->GetLargestPossibleRegion().GetSize();
  RgbImage image(static_cast<unsigned>(size[0]), static_cast<unsigned>(size[1]));
  std::memcpy(image.pixels.data(), reader->GetOutput()->GetBufferPointer(), image.pixels.size());
  return image;
}

}  // namespace medpipe
