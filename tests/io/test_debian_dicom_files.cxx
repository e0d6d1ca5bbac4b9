// Real DICOM files shipped by Debian's python3-pydicom (written by many tools, not by medpipe):
// transfer syntaxes, deflate, truncation, non-image objects. Skips where the package is absent.
#include <gtest/gtest.h>

#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "test_support.h"

namespace medpipe {
namespace {

const std::filesystem::path kPydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

#define REQUIRE_PYDICOM_FILES()                                                                      \
  if (!std::filesystem::is_directory(kPydicomFiles))                                                 \
  GTEST_SKIP() << kPydicomFiles << " not found (Debian package python3-pydicom, installed by "       \
                  "scripts/install-deps.sh); skipping"

ImageF::Pointer readSingleFile(const std::filesystem::path& file) {
  const DicomIndex index = indexDicomFolder(file);
  EXPECT_EQ(index.volumes.size(), 1u) << file;
  if (index.volumes.size() != 1) return nullptr;
  return readVolume(index.volumes[0], IrregularGeometry::Fail);
}

}  // namespace

TEST(DebianDicomFiles, MrSmallDecodesIdenticallyInEveryTransferSyntax) {
  REQUIRE_PYDICOM_FILES();
  const auto reference = readSingleFile(kPydicomFiles / "MR_small.dcm");
  ASSERT_NE(reference, nullptr);
  for (const char* name : {"MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
                           "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm"}) {
    SCOPED_TRACE(name);
    const auto image = readSingleFile(kPydicomFiles / name);
    ASSERT_NE(image, nullptr);
    const auto cmp = test::compareInPhysicalSpace(*reference, *image, 1e-4);
    ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
    EXPECT_EQ(cmp.maxValueDifference, 0.0);
  }
}

TEST(DebianDicomFiles, MrSmallAgreesWithDcm2niix) {
  REQUIRE_PYDICOM_FILES();
  test::TempDir dir("mr-small");
  std::filesystem::create_directories(dir / "in");
  std::filesystem::copy_file(kPydicomFiles / "MR_small.dcm", dir / "in" / "MR_small.dcm");
  const auto ours = readSingleFile(dir / "in");
  const auto oracle = test::convertWithDcm2niix(dir / "in", dir / "oracle");
  ASSERT_NE(oracle, nullptr);
  const auto cmp = test::compareInPhysicalSpace(*ours, *oracle, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
}

TEST(DebianDicomFiles, DeflatedFileMatchesDcmtksInflatedCopy) {
  REQUIRE_PYDICOM_FILES();
  test::TempDir dir("deflate");
  const auto inflated = dir / "inflated.dcm";
  const auto r = test::runCommand("dcmconv +te '" + (kPydicomFiles / "image_dfl.dcm").string() + "' '" + inflated.string() + "'");
  ASSERT_EQ(r.exitCode, 0) << "dcmconv (dcmtk) failed: " << r.err;
  const auto deflated = readSingleFile(kPydicomFiles / "image_dfl.dcm");
  const auto plain = readSingleFile(inflated);
  ASSERT_NE(deflated, nullptr);
  ASSERT_NE(plain, nullptr);
  const auto cmp = test::compareInPhysicalSpace(*plain, *deflated, 1e-4);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
}

TEST(DebianDicomFiles, TruncatedFileFailsNamingThePixelData) {
  REQUIRE_PYDICOM_FILES();
  const auto file = kPydicomFiles / "MR_truncated.dcm";
  try {
    readSingleFile(file);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), file.string() + ": PixelData: value length 8192 runs past the end of the file (truncated?)");
  }
}

// GDCM's image reader aborts the process on these (FrameIncrementPointer without NumberOfFrames).
TEST(DebianDicomFiles, HeadersGdcmWouldAbortOnAreRefusedWithAReason) {
  REQUIRE_PYDICOM_FILES();
  for (const char* name : {"rtdose_1frame.dcm", "rtdose_expb_1frame.dcm", "rtdose_rle_1frame.dcm"}) {
    const auto file = kPydicomFiles / name;
    try {
      readSingleFile(file);
      ADD_FAILURE() << name << ": expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), file.string() + ": NumberOfFrames: missing although FrameIncrementPointer is set");
    }
  }
}

TEST(DebianDicomFiles, ScanningTheWholeFolderSortsObjectsWithoutCrashing) {
  REQUIRE_PYDICOM_FILES();
  const DicomIndex index = indexDicomFolder(kPydicomFiles);
  EXPECT_GT(index.volumes.size(), 20u);
  auto nonImage = [&](const std::string& name) {
    return std::any_of(index.nonImages.begin(), index.nonImages.end(),
                       [&](const DicomHeader& h) { return h.path.filename() == name; });
  };
  for (const char* name : {"rtplan.dcm", "test-SR.dcm", "waveform_ecg.dcm"}) EXPECT_TRUE(nonImage(name)) << name;
  // Structure sets are region objects (region_objects.h), listed apart from other non-images.
  EXPECT_TRUE(std::any_of(index.regionObjects.begin(), index.regionObjects.end(),
                          [&](const DicomHeader& h) { return h.path.filename() == "rtstruct.dcm"; }));
  EXPECT_FALSE(nonImage("rtstruct.dcm"));
  const auto unreadable = [&](const std::string& name) {
    return std::any_of(index.unreadable.begin(), index.unreadable.end(),
                       [&](const ErrorInfo& e) { return std::filesystem::path(e.path).filename() == name; });
  };
  EXPECT_TRUE(unreadable("rtplan_truncated.dcm"));
  EXPECT_TRUE(unreadable("meta_missing_tsyntax.dcm"));
}

}  // namespace medpipe
