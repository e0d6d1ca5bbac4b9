// readSliceStackAsInt16: straight into int16 only where that loses nothing, and then the very
// voxels and grid of the float reader (whose volume writeImage would shrink to the same int16 file).
#include <gtest/gtest.h>

#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_volume_reader.h"
#include "test_support.h"

namespace medpipe {
namespace {

void expectSameVolume(const ImageS& whole, const ImageF& real) {
  ASSERT_EQ(whole.GetLargestPossibleRegion(), real.GetLargestPossibleRegion());
  EXPECT_EQ(whole.GetOrigin(), real.GetOrigin());
  EXPECT_EQ(whole.GetSpacing(), real.GetSpacing());
  EXPECT_EQ(whole.GetDirection(), real.GetDirection());
  const size_t n = real.GetLargestPossibleRegion().GetNumberOfPixels();
  size_t differ = 0;
  for (size_t i = 0; i < n; ++i) differ += float(whole.GetBufferPointer()[i]) != real.GetBufferPointer()[i];
  EXPECT_EQ(differ, 0u) << "of " << n << " voxels";
}

std::vector<DicomHeader> phantomSlices(const test::TempDir& dir) {
  PhantomSpec spec;
  spec.size = {48, 40, 6};
  spec.obliqueDegrees = 20;
  test::writePhantomSeries(spec, dir / "dicom");
  const DicomIndex index = indexDicomFolder(dir / "dicom");
  EXPECT_EQ(index.volumes.size(), 1u);
  return index.volumes.at(0).slices;
}

TEST(Int16Reading, CtInHuGivesTheFloatReadersVoxelsAndGrid) {
  test::TempDir dir("int16-ct");
  const SliceStack stack = buildSliceStack(phantomSlices(dir));
  const auto whole = readSliceStackAsInt16(stack);
  ASSERT_TRUE(whole) << "unsigned 16-bit CT with intercept -1024 is whole HU";
  expectSameVolume(*whole, *readSliceStack(stack));
}

TEST(Int16Reading, Monochrome1IsMirroredAsTheFloatReaderDoes) {
  test::TempDir dir("int16-mono1");
  auto slices = phantomSlices(dir);
  for (auto& s : slices) {
    s.photometricInterpretation = "MONOCHROME1";
    s.rescaleIntercept = -32768;  // mirrored over the stored range (at most 0..65535), the values stay in int16
  }
  const SliceStack stack = buildSliceStack(slices);
  const auto whole = readSliceStackAsInt16(stack);
  ASSERT_TRUE(whole);
  expectSameVolume(*whole, *readSliceStack(stack));
}

TEST(Int16Reading, AWholeSlopeAndInterceptGiveTheFloatReadersVoxels) {
  test::TempDir dir("int16-slope");
  auto slices = phantomSlices(dir);
  for (auto& s : slices) s.rescaleSlope = 3, s.rescaleIntercept = -3500;
  const SliceStack stack = buildSliceStack(slices);
  const auto whole = readSliceStackAsInt16(stack);
  ASSERT_TRUE(whole);
  expectSameVolume(*whole, *readSliceStack(stack));
}

TEST(Int16Reading, FractionalRescaleOrValuesPastInt16AreLeftToTheFloatReader) {
  test::TempDir dir("int16-refused");
  auto slices = phantomSlices(dir);
  auto halves = slices;
  for (auto& s : halves) s.rescaleSlope = 0.5;
  EXPECT_FALSE(readSliceStackAsInt16(buildSliceStack(halves))) << "a fractional slope";
  auto high = slices;
  high.back().rescaleIntercept = 40000;  // one slice past int16's range
  EXPECT_FALSE(readSliceStackAsInt16(buildSliceStack(high))) << "values above 32767";
  auto low = slices;
  low.front().rescaleIntercept = -40000;
  EXPECT_FALSE(readSliceStackAsInt16(buildSliceStack(low))) << "values below -32768";
}

TEST(Int16Reading, RealTwelveBitSignedAndUnsignedSeriesMatchTheFloatReader) {
  MEDPIPE_REQUIRE_SHARED_DATA("12bit/input");
  const DicomIndex index = indexDicomFolder(test::sharedDataDir() / "12bit/input");
  ASSERT_GE(index.volumes.size(), 2u);
  for (const auto& volume : index.volumes) {
    SCOPED_TRACE(volume.first().path.string() + (volume.first().pixelRepresentation ? " (signed)" : " (unsigned)"));
    const SliceStack stack = buildSliceStack(volume.slices);
    const auto whole = readSliceStackAsInt16(stack);
    ASSERT_TRUE(whole);
    expectSameVolume(*whole, *readSliceStack(stack));
  }
}

}  // namespace
}  // namespace medpipe
