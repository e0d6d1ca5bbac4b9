// Phantom -> DICOM series (GDCM) -> medpipe's reader: exact geometry and HU.
#include <gtest/gtest.h>

#include <itkImageRegionConstIteratorWithIndex.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/multiframe_writer.h"
#include "test_support.h"

namespace medpipe {
namespace {

PhantomSpec smallSpec() {
  PhantomSpec spec;
  spec.size = {64, 48, 20};
  spec.spacing = {3.2, 4.1, 8.0};
  return spec;
}

void expectSameVoxels(const ImageF& expected, const ImageF& actual) {
  std::string why;
  ASSERT_TRUE(test::sameGeometry(expected, actual, 1e-4, &why)) << why;
  const float* a = expected.GetBufferPointer();
  const float* b = actual.GetBufferPointer();
  const size_t n = expected.GetPixelContainer()->Size();
  size_t differing = 0;
  for (size_t i = 0; i < n; ++i) differing += a[i] != b[i];
  EXPECT_EQ(differing, 0u);
}

}  // namespace

TEST(PhantomRoundTrip, ReaderReturnsTheWrittenGeometryAndHounsfieldUnits) {
  test::TempDir dir("roundtrip");
  const Phantom phantom = test::writePhantomSeries(smallSpec(), dir / "dicom");
  const DicomIndex index = indexDicomFolder(dir.path());
  ASSERT_EQ(index.volumes.size(), 1u);
  ASSERT_EQ(index.volumes[0].slices.size(), 20u);
  StackHealth health;
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail, &health);
  EXPECT_TRUE(health.regular());
  const auto size = image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 64u);
  EXPECT_EQ(size[1], 48u);
  EXPECT_EQ(size[2], 20u);
  EXPECT_NEAR(image->GetSpacing()[0], 3.2, 1e-6);
  EXPECT_NEAR(image->GetSpacing()[1], 4.1, 1e-6);
  EXPECT_NEAR(image->GetSpacing()[2], 8.0, 1e-6);
  EXPECT_NEAR(image->GetOrigin()[0], -(63 * 3.2) / 2, 1e-4);
  EXPECT_NEAR(image->GetOrigin()[2], -(19 * 8.0) / 2, 1e-4);
  expectSameVoxels(*phantom.image, *image);
  // The noise-free classes are where the labels say: spot-check one voxel per class.
  EXPECT_GT(phantom.image->GetPixel({{32, 24, 10}}), -200);  // soft tissue / bone near the centre
  EXPECT_LT(phantom.image->GetPixel({{0, 0, 0}}), -900);     // air in the corner
}

TEST(PhantomRoundTrip, ObliqueSeriesKeepsItsDirection) {
  test::TempDir dir("oblique");
  PhantomSpec spec = smallSpec();
  spec.obliqueDegrees = 25;
  const Phantom phantom = test::writePhantomSeries(spec, dir / "dicom");
  const DicomIndex index = indexDicomFolder(dir / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
  expectSameVoxels(*phantom.image, *image);
}

TEST(PhantomRoundTrip, ShuffledFileNamesAndInstanceNumbersDoNotChangeTheVolume) {
  test::TempDir dir("shuffled");
  const Phantom phantom = test::writePhantomSeries(smallSpec(), dir / "dicom");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "dicom")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  std::filesystem::create_directories(dir / "shuffled");
  for (size_t i = 0; i < files.size(); ++i)
    std::filesystem::copy_file(files[i], dir / "shuffled" / ("x" + std::to_string(order[i])));
  const DicomIndex index = indexDicomFolder(dir / "shuffled");
  ASSERT_EQ(index.volumes.size(), 1u);
  expectSameVoxels(*phantom.image, *readVolume(index.volumes[0], IrregularGeometry::Fail));
}

TEST(PhantomRoundTrip, MissingSliceFailsOnRequestAndIsResampledByDefault) {
  test::TempDir dir("missing");
  const Phantom phantom = test::writePhantomSeries(smallSpec(), dir / "dicom");
  std::filesystem::remove(dir / "dicom" / "IM0008.dcm");
  const DicomIndex index = indexDicomFolder(dir / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  try {
    readVolume(index.volumes[0], IrregularGeometry::Fail);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "dicom").string() +
                                         ": ImagePositionPatient: irregular slice geometry: missing slices at -20 mm");
  }
  StackHealth health;
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Resample, &health);
  EXPECT_EQ(health.missingSliceAt.size(), 1u);
  std::string why;
  EXPECT_TRUE(test::sameGeometry(*phantom.image, *image, 1e-4, &why)) << why;
  // The gap is filled halfway between its neighbours; every other slice is untouched.
  const ImageF::IndexType inGap{{10, 10, 7}}, below{{10, 10, 6}}, above{{10, 10, 8}};
  EXPECT_FLOAT_EQ(image->GetPixel(inGap), (phantom.image->GetPixel(below) + phantom.image->GetPixel(above)) / 2);
  EXPECT_EQ(image->GetPixel({{20, 20, 12}}), phantom.image->GetPixel({{20, 20, 12}}));
}

TEST(PhantomRoundTrip, TwoSeriesInOneFolderAreTwoVolumes) {
  test::TempDir dir("interleaved");
  test::writePhantomSeries(smallSpec(), dir / "mixed");
  PhantomSpec other = smallSpec();
  other.seed = 9;
  DicomSeriesInfo info;
  const Phantom second = makeBodyPhantom(other);
  info.seriesNumber = 2;
  info.seriesDescription = "Second";
  info.rescaleIntercept = -1024;
  writeDicomSeries(*second.image, dir / "mixed", info, "SECOND");
  const DicomIndex index = indexDicomFolder(dir / "mixed");
  ASSERT_EQ(index.volumes.size(), 2u);
  const auto secondVolume = std::find_if(index.volumes.begin(), index.volumes.end(),
                                         [](const SeriesVolume& v) { return v.first().seriesDescription == "Second"; });
  ASSERT_NE(secondVolume, index.volumes.end());
  EXPECT_EQ(secondVolume->slices.size(), 20u);
  expectSameVoxels(*second.image, *readVolume(*secondVolume, IrregularGeometry::Fail));
}

TEST(PhantomRoundTrip, ConvertWritesNiftiAndSidecarWithoutPhi) {
  test::TempDir dir("convert");
  const Phantom phantom = test::writePhantomSeries(smallSpec(), dir / "dicom");
  std::ofstream(dir / "dicom" / "README.txt") << "not dicom";
  ConversionOptions options;
  options.input = dir / "dicom";
  options.outputFolder = dir / "out";
  const ConversionReport report = convertDicom(options);
  ASSERT_EQ(report.written.size(), 1u);
  EXPECT_EQ(report.written[0].image.filename(), "1_Phantom_CT.nii.gz");
  expectSameVoxels(*phantom.image, *readImage(report.written[0].image));
  std::ifstream sidecar(report.written[0].sidecar);
  const std::string json((std::istreambuf_iterator<char>(sidecar)), {});
  EXPECT_NE(json.find("\"Modality\": \"CT\""), std::string::npos);
  EXPECT_EQ(json.find("TEST^PHANTOM"), std::string::npos);
  EXPECT_EQ(json.find("TEST-ID-1"), std::string::npos);
  // A second run refuses to overwrite.
  const ConversionReport again = convertDicom(options);
  ASSERT_EQ(again.failed.size(), 1u);
  EXPECT_EQ(again.failed[0].reason, "already exists (use --force to overwrite)");
}

}  // namespace medpipe

namespace medpipe {

// A tilted-gantry acquisition of the phantom (noise-free): medpipe measures the tilt, and its
// resampled volume shows every voxel where the anatomy really is.
TEST(PhantomRoundTrip, GantryTiltIsMeasuredAndCorrected) {
  test::TempDir dir("tilt");
  PhantomSpec spec;
  spec.size = {96, 96, 24};
  spec.spacing = {2.2, 2.2, 5.0};
  spec.noiseSigma = 0;
  spec.gantryTiltDegrees = 15;
  test::writePhantomSeries(spec, dir / "dicom");
  const DicomIndex index = indexDicomFolder(dir / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  const SliceStack stack = buildSliceStack(index.volumes[0].slices);
  EXPECT_NEAR(stack.health.gantryTiltDegrees, 15, 1e-3);
  EXPECT_NEAR(stack.spacing[2], 5.0, 1e-4);  // along the (axial) normal; the shift is in y

  const auto image = readVolume(index.volumes[0], IrregularGeometry::Resample);
  const PhantomHu hu;
  const float classHu[4] = {hu.air, hu.softTissue, hu.lung, hu.bone};
  size_t interior = 0, right = 0;
  itk::ImageRegionConstIteratorWithIndex<ImageF> it(image, image->GetLargestPossibleRegion());
  const auto spacing = image->GetSpacing();
  for (; !it.IsAtEnd(); ++it) {
    ImageF::PointType p;
    image->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    const PhantomLabel label = phantomLabelAt(p[0], p[1], p[2]);
    bool uniform = true;  // skip voxels within one voxel of a tissue boundary
    for (int d = 0; d < 3 && uniform; ++d)
      for (double s : {-1.0, 1.0}) {
        auto q = p;
        q[d] += s * spacing[d];
        uniform = uniform && phantomLabelAt(q[0], q[1], q[2]) == label;
      }
    if (!uniform || (it.Get() == -1000.0f && label != kAir)) continue;  // outside the acquired slab
    ++interior;
    right += std::abs(it.Get() - classHu[label]) <= 1.0f;
  }
  EXPECT_GT(interior, 50000u);
  EXPECT_GT(double(right) / interior, 0.995) << right << " of " << interior;
}

}  // namespace medpipe

namespace medpipe {

// MONOCHROME1 stores bright as low: medpipe mirrors the stored range (as ITK does), so an image
// marked MONOCHROME1 reads back as (2^BitsStored - 1 - stored) * slope + intercept.
TEST(PhantomRoundTrip, Monochrome1IsInverted) {
  test::TempDir dir("monochrome1");
  PhantomSpec spec;
  spec.size = {24, 24, 4};
  const Phantom phantom = test::writePhantomSeries(spec, dir / "dicom");
  const auto r = test::runCommand("dcmodify -nb -m '(0028,0004)=MONOCHROME1' '" + (dir / "dicom").string() + "'/*.dcm");
  ASSERT_EQ(r.exitCode, 0) << "dcmodify (dcmtk) failed: " << r.err;
  const DicomIndex index = indexDicomFolder(dir / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  EXPECT_EQ(index.volumes[0].first().photometricInterpretation, "MONOCHROME1");
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
  size_t wrong = 0;
  for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i) {
    const double stored = phantom.image->GetBufferPointer()[i] + 1024;  // written with intercept -1024
    wrong += image->GetBufferPointer()[i] != float((65535 - stored) - 1024);
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace medpipe

namespace medpipe {

// One Enhanced CT multi-frame object: frames placed by the per-frame functional groups, read
// back as the same volume, and dcm2niix agrees.
TEST(PhantomRoundTrip, EnhancedMultiFrameObjectReadsBackExactly) {
  test::TempDir dir("multiframe");
  PhantomSpec spec;
  spec.size = {40, 32, 9};
  spec.spacing = {1.5, 1.25, 3.0};
  spec.obliqueDegrees = 12;
  const Phantom phantom = makeBodyPhantom(spec);
  DicomSeriesInfo info;
  info.seriesDescription = "Enhanced";
  info.rescaleIntercept = -1024;
  writeEnhancedMultiFrame(*phantom.image, dir / "dicom" / "enhanced.dcm", info);
  const DicomIndex index = indexDicomFolder(dir / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  EXPECT_EQ(index.volumes[0].slices.size(), 9u);  // one virtual slice per frame
  EXPECT_EQ(index.volumes[0].first().numberOfFrames, 9u);
  expectSameVoxels(*phantom.image, *readVolume(index.volumes[0], IrregularGeometry::Fail));
  const auto oracle = test::convertWithDcm2niix(dir / "dicom", dir / "oracle");
  ASSERT_NE(oracle, nullptr);
  const auto cmp = test::compareInPhysicalSpace(*phantom.image, *oracle, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
}

}  // namespace medpipe
