// medpipe phantom + medpipe convert through the executable, and convert's messages on bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "image_compare.h"
#include "medpipe/io/image_file.h"
#include "test_support.h"

namespace medpipe {
namespace {

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

}  // namespace

TEST(CliConvert, PhantomThenConvertRoundTripsExactly) {
  test::TempDir dir("cli-roundtrip");
  auto r = test::runMedpipe("phantom -o " + quoted(dir / "study") + " --size 96x80x24 --spacing 0.9x0.8x2.5");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = test::runMedpipe("convert " + quoted(dir / "study" / "dicom") + " -o " + quoted(dir / "out"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir / "out" / "1_Phantom_CT.nii.gz").string() + "  [OK]\n");

  const auto image = readImage(dir / "out" / "1_Phantom_CT.nii.gz");
  const auto labels = readLabelImage(dir / "study" / "labels.nii.gz");
  const auto size = image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 96u);
  EXPECT_EQ(size[1], 80u);
  EXPECT_EQ(size[2], 24u);
  EXPECT_NEAR(image->GetSpacing()[0], 0.9, 1e-5);
  EXPECT_NEAR(image->GetSpacing()[1], 0.8, 1e-5);
  EXPECT_NEAR(image->GetSpacing()[2], 2.5, 1e-5);
  EXPECT_NEAR(image->GetOrigin()[0], -95 * 0.9 / 2, 1e-4);
  EXPECT_NEAR(image->GetOrigin()[1], -79 * 0.8 / 2, 1e-4);
  EXPECT_NEAR(image->GetOrigin()[2], -23 * 2.5 / 2, 1e-4);
  EXPECT_TRUE(image->GetDirection().GetVnlMatrix().is_identity(1e-6));
  std::string why;
  EXPECT_TRUE(test::sameGeometry(*image, *labels, 1e-4, &why)) << why;

  // The HU written are the HU read: regenerate the same phantom in memory and compare.
  PhantomSpec spec;
  spec.size = {96, 80, 24};
  spec.spacing = {0.9, 0.8, 2.5};
  const Phantom expected = makeBodyPhantom(spec);
  const auto cmp = test::compareInPhysicalSpace(*expected.image, *image);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
  // And the label map is the generator's.
  size_t differing = 0;
  for (size_t i = 0; i < labels->GetPixelContainer()->Size(); ++i)
    differing += labels->GetBufferPointer()[i] != expected.labels->GetBufferPointer()[i];
  EXPECT_EQ(differing, 0u);
  // dcm2niix on the same series agrees voxel for voxel.
  const auto oracle = test::convertWithDcm2niix(dir / "study" / "dicom", dir / "oracle");
  ASSERT_NE(oracle, nullptr);
  const auto vsOracle = test::compareInPhysicalSpace(*image, *oracle);
  ASSERT_TRUE(vsOracle.sameGrid) << vsOracle.gridProblem;
  EXPECT_EQ(vsOracle.maxValueDifference, 0.0);
}

TEST(CliConvert, MissingFolderNamesThePath) {
  test::TempDir dir("cli-missing");
  const auto r = test::runMedpipe("convert " + quoted(dir / "nope") + " -o " + quoted(dir / "out"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe convert: error: " + (dir / "nope").string() + ": no such file or folder\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(CliConvert, FolderWithoutDicomNamesThePath) {
  test::TempDir dir("cli-nodicom");
  std::filesystem::create_directories(dir / "in");
  std::ofstream(dir / "in" / "notes.txt") << "hello";
  const auto r = test::runMedpipe("convert " + quoted(dir / "in") + " -o " + quoted(dir / "out"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe convert: error: " + (dir / "in").string() + ": no DICOM images found\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(CliConvert, TruncatedSliceNamesTheFileAndWritesNothing) {
  test::TempDir dir("cli-truncated");
  PhantomSpec spec;
  spec.size = {32, 32, 6};
  test::writePhantomSeries(spec, dir / "in");
  const auto victim = dir / "in" / "IM0004.dcm";
  std::filesystem::resize_file(victim, std::filesystem::file_size(victim) - 100);
  const auto r = test::runMedpipe("convert " + quoted(dir / "in") + " -o " + quoted(dir / "out"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe convert: error: " + victim.string() +
                       ": PixelData: value length 2048 runs past the end of the file (truncated?)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "1_Phantom_CT.nii.gz"));
}

TEST(CliConvert, BadFormatIsRejectedBeforeAnyWork) {
  test::TempDir dir("cli-format");
  const auto r = test::runMedpipe("convert " + quoted(dir.path()) + " -o " + quoted(dir / "out") + " --format jpg");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe convert: error: --format: 'jpg' is not one of: nii.gz, nii, nrrd, mha\n");
}

}  // namespace medpipe

namespace medpipe {

TEST(CliConvert, NrrdAndMetaImageHoldTheSameVolumeAsNifti) {
  test::TempDir dir("cli-formats");
  PhantomSpec spec;
  spec.size = {40, 36, 10};
  spec.obliqueDegrees = 20;
  const Phantom expected = test::writePhantomSeries(spec, dir / "dicom");
  for (const std::string format : {"nrrd", "mha", "nii"}) {
    SCOPED_TRACE(format);
    const auto r = test::runMedpipe("convert '" + (dir / "dicom").string() + "' -o '" + (dir / format).string() +
                                    "' --format " + format);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto image = readImage(dir / format / ("1_Phantom_CT." + format));
    std::string why;
    EXPECT_TRUE(test::sameGeometry(*expected.image, *image, 1e-4, &why)) << why;
    EXPECT_TRUE(std::equal(image->GetBufferPointer(), image->GetBufferPointer() + image->GetPixelContainer()->Size(),
                           expected.image->GetBufferPointer()));
  }
}

}  // namespace medpipe
