// Uncompressed little-endian pixel data is read straight from the file at the offset the scan found
// (DicomHeader::nativePixelDataOffset) instead of through GDCM's image reader: on files nobody here
// wrote, that must give exactly the voxels GDCM's decoder gives.
#include <gtest/gtest.h>

#include <set>

#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "test_support.h"

namespace medpipe {
namespace {

size_t nativeSlices(const SeriesVolume& volume) {
  size_t n = 0;
  for (const auto& s : volume.slices) n += s.nativePixelDataLength > 0;
  return n;
}

SeriesVolume decodedByGdcm(SeriesVolume volume) {
  for (auto& s : volume.slices) s.nativePixelDataOffset = 0, s.nativePixelDataLength = 0;
  return volume;
}

void expectSameVoxels(const ImageF& direct, const ImageF& gdcm) {
  ASSERT_EQ(direct.GetLargestPossibleRegion(), gdcm.GetLargestPossibleRegion());
  EXPECT_EQ(direct.GetOrigin(), gdcm.GetOrigin());
  EXPECT_EQ(direct.GetDirection(), gdcm.GetDirection());
  const size_t n = gdcm.GetLargestPossibleRegion().GetNumberOfPixels();
  size_t differ = 0;
  for (size_t i = 0; i < n; ++i) differ += direct.GetBufferPointer()[i] != gdcm.GetBufferPointer()[i];
  EXPECT_EQ(differ, 0u) << "of " << n << " voxels";
}

struct SliceCounts {
  size_t native = 0, all = 0;
};

// Every volume under `folder` read both ways; how many of its slices (frames, tiles) were read directly.
SliceCounts compareBothWays(const std::filesystem::path& folder) {
  const DicomIndex index = indexDicomFolder(folder);
  EXPECT_FALSE(index.volumes.empty()) << folder;
  SliceCounts counts;
  for (const auto& volume : index.volumes) {
    SCOPED_TRACE(volume.first().path.string() + " (" + volume.first().transferSyntaxUid + ")");
    counts.native += nativeSlices(volume);
    counts.all += volume.slices.size();
    const auto direct = readVolume(volume, IrregularGeometry::Resample);
    const auto gdcm = readVolume(decodedByGdcm(volume), IrregularGeometry::Resample);
    expectSameVoxels(*direct, *gdcm);
  }
  return counts;
}

// Every slice of `folder` read directly, and as GDCM reads it.
void expectAllNativeAndSame(const std::filesystem::path& folder) {
  const SliceCounts counts = compareBothWays(folder);
  EXPECT_GT(counts.all, 0u) << folder;
  EXPECT_EQ(counts.native, counts.all) << folder;
}

TEST(NativePixelReading, TwelveBitSignedAndUnsignedWithBitsAboveBitsStoredGiveGdcmsVoxels) {
  MEDPIPE_REQUIRE_SHARED_DATA("12bit/input");
  expectAllNativeAndSame(test::sharedDataDir() / "12bit/input");
}

TEST(NativePixelReading, PhilipsCtGivesGdcmsVoxels) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  expectAllNativeAndSame(test::sharedDataDir() / "ct-philips-140");
}

TEST(NativePixelReading, EnhancedMultiFrameAndClassicMrGiveGdcmsVoxels) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-philips-pcasl");
  expectAllNativeAndSame(test::sharedDataDir() / "mr-philips-pcasl/classic");
  expectAllNativeAndSame(test::sharedDataDir() / "mr-philips-pcasl/enhanced");
}

TEST(NativePixelReading, MosaicTilesGiveGdcmsVoxels) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-siemens-mosaic/input");
  expectAllNativeAndSame(test::sharedDataDir() / "mr-siemens-mosaic/input");
}

// Nine syntaxes of one image in one folder: only explicit and implicit VR little endian are read
// directly; big endian and the compressed ones stay GDCM's, and all nine give the same voxels.
TEST(NativePixelReading, OnlyLittleEndianUncompressedSyntaxesAreReadDirectly) {
  MEDPIPE_REQUIRE_SHARED_DATA("transfer-syntaxes/input");
  const DicomIndex index = indexDicomFolder(test::sharedDataDir() / "transfer-syntaxes/input");
  std::set<std::string> direct;
  for (const auto& volume : index.volumes)
    if (nativeSlices(volume) > 0) direct.insert(volume.first().transferSyntaxUid);
  EXPECT_EQ(direct, (std::set<std::string>{"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}));
  compareBothWays(test::sharedDataDir() / "transfer-syntaxes/input");
}

}  // namespace
}  // namespace medpipe
