// dcm2niix as an oracle: same voxels and the same physical grid as medpipe's reader.
#include <gtest/gtest.h>

#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "test_support.h"

namespace medpipe {
namespace {

// Reads the single volume below `folder` with medpipe and compares it with dcm2niix's.
void expectAgreesWithDcm2niix(const std::filesystem::path& folder, const test::TempDir& work) {
  const DicomIndex index = indexDicomFolder(folder);
  ASSERT_EQ(index.volumes.size(), 1u);
  const auto ours = readVolume(index.volumes[0], IrregularGeometry::Fail);
  const auto oracle = test::convertWithDcm2niix(folder, work / "dcm2niix");
  ASSERT_NE(oracle, nullptr);
  const auto comparison = test::compareInPhysicalSpace(*ours, *oracle, 1e-3);
  ASSERT_TRUE(comparison.sameGrid) << comparison.gridProblem;
  EXPECT_EQ(comparison.voxelsCompared, ours->GetLargestPossibleRegion().GetNumberOfPixels());
  EXPECT_EQ(comparison.maxValueDifference, 0.0);
}

}  // namespace

TEST(Dcm2niixOracle, AxialPhantom) {
  test::TempDir dir("oracle-axial");
  PhantomSpec spec;
  spec.size = {80, 64, 24};
  spec.spacing = {0.9, 1.1, 3.0};
  test::writePhantomSeries(spec, dir / "dicom");
  expectAgreesWithDcm2niix(dir / "dicom", dir);
}

TEST(Dcm2niixOracle, ObliquePhantom) {
  test::TempDir dir("oracle-oblique");
  PhantomSpec spec;
  spec.size = {64, 64, 16};
  spec.obliqueDegrees = 17;
  test::writePhantomSeries(spec, dir / "dicom");
  expectAgreesWithDcm2niix(dir / "dicom", dir);
}

TEST(Dcm2niixOracle, RealPhilipsCt) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  test::TempDir dir("oracle-philips");
  expectAgreesWithDcm2niix(test::sharedDataDir() / "ct-philips-140", dir);
}

}  // namespace medpipe
