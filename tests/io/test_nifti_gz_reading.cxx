// .nii.gz read through libdeflate (modules/io/src/nifti_gz_reader.cxx) against ITK's own reader:
// the same geometry and voxels bit for bit, for medpipe's multi-member files and ITK's single
// stream, every stored type; files it leaves to ITK (scaled voxels, damaged) read as ITK reads them.
#include <gtest/gtest.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "oblique_image.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

template <typename TImage>
void writeWithItk(const TImage& image, const fs::path& path) {
  auto writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(&image);
  writer->SetFileName(path.string());
  writer->SetUseCompression(true);
  writer->Update();
}

ImageF::Pointer itkRead(const fs::path& path) {
  auto reader = itk::ImageFileReader<ImageF>::New();
  reader->SetFileName(path.string());
  reader->Update();
  return reader->GetOutput();
}

void expectSame(const ImageF& read, const ImageF& itk, const std::string& what) {
  ASSERT_EQ(read.GetLargestPossibleRegion(), itk.GetLargestPossibleRegion()) << what;
  EXPECT_EQ(read.GetOrigin(), itk.GetOrigin()) << what;
  EXPECT_EQ(read.GetSpacing(), itk.GetSpacing()) << what;
  EXPECT_EQ(read.GetDirection(), itk.GetDirection()) << what;
  const size_t n = itk.GetLargestPossibleRegion().GetNumberOfPixels();
  EXPECT_EQ(std::memcmp(read.GetBufferPointer(), itk.GetBufferPointer(), n * sizeof(float)), 0) << what << ": voxels";
}

std::string gunzip(const fs::path& path) {
  gzFile in = gzopen(path.string().c_str(), "rb");
  std::string out;
  char buffer[65536];
  int got;
  while ((got = gzread(in, buffer, sizeof buffer)) > 0) out.append(buffer, size_t(got));
  gzclose(in);
  return out;
}

void gzip(const std::string& bytes, const fs::path& path) {
  gzFile out = gzopen(path.string().c_str(), "wb6");
  gzwrite(out, bytes.data(), unsigned(bytes.size()));
  gzclose(out);
}

}  // namespace

TEST(NiftiGzReading, SameGeometryAndVoxelsAsItksReader) {
  test::TempDir dir("nifti-gz-read");
  ImageWriteOptions floats;
  floats.shrinkToInt16 = false;
  writeImage(*test::obliqueImage<ImageF>(9, 7, 5, 0, 0.37f), dir / "float.nii.gz", floats);  // medpipe's: a member per block
  writeImage(*test::obliqueImage<ImageF>(9, 7, 5, 0, 1.0f), dir / "whole.nii.gz", ImageWriteOptions{});  // stored as int16
  writeLabelImage(*test::obliqueImage<LabelImage>(9, 7, 5, 0, 1.0f), dir / "labels.nii.gz", ImageWriteOptions{});
  writeWithItk(*test::obliqueImage<ImageF>(9, 7, 5, 0, -0.5f), dir / "itk-float.nii.gz");  // ITK's: one zlib stream
  writeWithItk(*test::obliqueImage<itk::Image<double, 3>>(9, 7, 5, 0, 0.25f), dir / "itk-double.nii.gz");
  writeWithItk(*test::obliqueImage<itk::Image<std::uint16_t, 3>>(9, 7, 5, 0, 3.0f), dir / "itk-uint16.nii.gz");
  writeWithItk(*test::obliqueImage<itk::Image<std::int32_t, 3>>(9, 7, 5, 0, -1000.0f), dir / "itk-int32.nii.gz");
  writeWithItk(*test::obliqueImage<itk::Image<std::int8_t, 3>>(9, 7, 5, 0, 0.5f), dir / "itk-int8.nii.gz");
  for (const char* name : {"float", "whole", "labels", "itk-float", "itk-double", "itk-uint16", "itk-int32", "itk-int8"}) {
    const fs::path file = dir / (std::string(name) + ".nii.gz");
    expectSame(*readImage(file), *itkRead(file), name);
  }
}

TEST(NiftiGzReading, ScaledVoxelsAreLeftToItk) {
  test::TempDir dir("nifti-gz-scaled");
  writeWithItk(*test::obliqueImage<ImageS>(9, 7, 5, 0, 1.0f), dir / "plain.nii.gz");
  std::string bytes = gunzip(dir / "plain.nii.gz");
  const float slope = 2.5f, intercept = -1024.0f;
  std::memcpy(&bytes[112], &slope, 4);
  std::memcpy(&bytes[116], &intercept, 4);
  gzip(bytes, dir / "scaled.nii.gz");
  const auto read = readImage(dir / "scaled.nii.gz");
  expectSame(*read, *itkRead(dir / "scaled.nii.gz"), "scaled");
  EXPECT_FLOAT_EQ(read->GetBufferPointer()[1], 37 * 2.5f - 1024) << "the scaling is applied";
}

// ITK's NIfTI library, asked for a.nii.gz, reads the voxels of a.nii where that exists too.
TEST(NiftiGzReading, ASiblingWithTheOtherExtensionIsNotReadInstead) {
  test::TempDir dir("nifti-gz-sibling");
  ImageWriteOptions floats;
  floats.shrinkToInt16 = false;
  writeImage(*test::obliqueImage<ImageF>(9, 7, 5, 0, 1.0f), dir / "a.nii.gz", floats);
  writeImage(*test::obliqueImage<ImageF>(9, 7, 5, 0, -3.0f), dir / "a.nii", floats);
  const float gz = readImage(dir / "a.nii.gz")->GetBufferPointer()[1];
  const float plain = readImage(dir / "a.nii")->GetBufferPointer()[1];
  EXPECT_EQ(gz, 37.0f);
  EXPECT_EQ(plain, -111.0f);
  writeLabelImage(*test::obliqueImage<LabelImage>(9, 7, 5, 0, 1.0f), dir / "b.nii.gz", ImageWriteOptions{});
  writeLabelImage(*test::obliqueImage<LabelImage>(9, 7, 5, 0, 0.0f), dir / "b.nii", ImageWriteOptions{});
  EXPECT_EQ(readLabelImage(dir / "b.nii.gz")->GetBufferPointer()[1], 37);
  EXPECT_EQ(readLabelImage(dir / "b.nii")->GetBufferPointer()[1], 0);
  size_t leftOver = 0;  // the private folders the links were made in are gone
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path()))
    leftOver += entry.path().filename().string().rfind("medpipe-read-", 0) == 0;
  EXPECT_EQ(leftOver, 0u);
}

TEST(NiftiGzReading, ATruncatedFileIsAnErrorNamingIt) {
  test::TempDir dir("nifti-gz-truncated");
  ImageWriteOptions floats;
  floats.shrinkToInt16 = false;
  writeImage(*test::obliqueImage<ImageF>(9, 7, 5, 0, 0.37f), dir / "whole.nii.gz", floats);
  std::ifstream in(dir / "whole.nii.gz", std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), {}};
  std::ofstream(dir / "cut.nii.gz", std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
  try {
    readImage(dir / "cut.nii.gz");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "cut.nii.gz").string() + ": cannot read image", 0), 0u) << e.what();
  }
}

}  // namespace medpipe
