// Derived DICOM series: a volume written back into its source's study (writeDerivedSeries), read
// again by medpipe and by dcm2niix, and checked by dciodvfy and dcmdump.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "dicom_output_support.h"
#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/derived_series.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_series_writer.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

void expectSameGrid(const test::PhysicalComparison& cmp) {
  ::testing::Test::RecordProperty("maxCornerDistanceMm", std::to_string(cmp.maxCornerDistance));
  ::testing::Test::RecordProperty("maxValueDifference", std::to_string(cmp.maxValueDifference));
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_LE(cmp.maxCornerDistance, 1e-3);
  EXPECT_GT(cmp.voxelsCompared, 0u);
}

// `folder` read back by medpipe and by dcm2niix: the grid of `image` (within 1e-3 mm) and its
// values within `tolerance`.
void expectReadBackAs(const ImageF& image, const fs::path& folder, double tolerance) {
  const auto back = readVolume(test::onlyVolume(folder), IrregularGeometry::Fail);
  const auto cmp = test::compareInPhysicalSpace(image, *back, 1e-3);
  expectSameGrid(cmp);
  EXPECT_LE(cmp.maxValueDifference, tolerance) << "medpipe";
  const auto oracle = test::convertWithDcm2niix(folder, folder.string() + "-dcm2niix");
  ASSERT_NE(oracle, nullptr);
  const auto vsOracle = test::compareInPhysicalSpace(image, *oracle, 1e-3);
  expectSameGrid(vsOracle);
  EXPECT_LE(vsOracle.maxValueDifference, tolerance) << "dcm2niix";
}

// An oblique grid (20 degrees about x) with smooth values that are not whole numbers.
ImageF::Pointer obliqueRamp() {
  auto image = ImageF::New();
  ImageF::RegionType region;
  region.SetSize({{30, 20, 8}});
  image->SetRegions(region);
  const double spacing[3] = {1.1, 0.7, 3.3};
  image->SetSpacing(spacing);
  const double origin[3] = {-10, 5, -20};
  image->SetOrigin(origin);
  ImageF::DirectionType direction;
  direction.SetIdentity();
  const double a = 20 * 3.14159265358979 / 180;
  direction(1, 1) = std::cos(a), direction(1, 2) = -std::sin(a);
  direction(2, 1) = std::sin(a), direction(2, 2) = std::cos(a);
  image->SetDirection(direction);
  image->Allocate();
  for (unsigned k = 0; k < 8; ++k)
    for (unsigned j = 0; j < 20; ++j)
      for (unsigned i = 0; i < 30; ++i)
        image->SetPixel({{i, j, k}}, static_cast<float>(0.37 * i - 2.1 * j + 1.05 * k + 0.123));
  return image;
}

}  // namespace

TEST(DerivedSeries, CtRoundTripKeepsVoxelsGeometryPatientAndStudy) {
  test::TempDir dir("derived-ct");
  PhantomSpec spec;
  spec.size = {48, 40, 10};
  spec.spacing = {0.9, 0.8, 2.5};
  const SeriesVolume source = test::writeNamedCtSeries(dir / "source", spec);
  const auto image = readVolume(source, IrregularGeometry::Fail);

  DerivedSeriesOptions options;
  options.seriesDescription = "Denoised";
  options.derivationDescription = "medpipe test";
  const DerivedSeries written = writeDerivedSeries(*image, source, options, dir / "derived");
  ASSERT_EQ(written.files.size(), 10u);
  EXPECT_EQ(written.rescale.slope, 1.0);  // whole HU: stored exactly
  EXPECT_EQ(written.rescale.intercept, -1024.0);

  const SeriesVolume derived = test::onlyVolume(dir / "derived");
  const DicomHeader& s = source.first();
  const DicomHeader& d = derived.first();
  EXPECT_EQ(d.patientName, "DOE^JANE");
  EXPECT_EQ(d.patientId, "ID-42");
  EXPECT_EQ(d.studyInstanceUid, s.studyInstanceUid);
  EXPECT_EQ(d.studyDate, "20240102");
  EXPECT_EQ(d.frameOfReferenceUid, s.frameOfReferenceUid);
  EXPECT_NE(d.seriesInstanceUid, s.seriesInstanceUid);
  EXPECT_EQ(d.seriesInstanceUid, written.seriesInstanceUid);
  EXPECT_EQ(d.seriesNumber, 1003);
  EXPECT_EQ(d.seriesDescription, "Denoised");
  EXPECT_EQ(d.imageType, "DERIVED\\SECONDARY\\AXIAL");
  EXPECT_EQ(d.modality, "CT");
  EXPECT_EQ(d.sopClassUid, s.sopClassUid);
  EXPECT_EQ(d.sliceThickness, 2.5);
  EXPECT_EQ(test::dicomText(written.files[0], 0x0010, 0x0030), "19700101");
  EXPECT_EQ(test::dicomText(written.files[0], 0x0008, 0x0050), "ACC-7");
  EXPECT_EQ(test::dicomText(written.files[0], 0x0008, 0x1030), "Chest");
  EXPECT_EQ(test::dicomText(written.files[0], 0x0018, 0x0015), "CHEST");
  EXPECT_EQ(test::dicomText(written.files[0], 0x0008, 0x2111), "medpipe test");

  std::set<std::string> sourceSops, derivedSops;
  std::map<long, std::string> sourceSopAtZ;  // source SOP instance by slice position (0.01 mm)
  for (const auto& h : source.slices) {
    sourceSops.insert(h.sopInstanceUid);
    sourceSopAtZ[std::lround((*h.imagePosition)[2] * 100)] = h.sopInstanceUid;
  }
  for (const auto& h : derived.slices) derivedSops.insert(h.sopInstanceUid);
  EXPECT_EQ(derivedSops.size(), 10u);
  for (const auto& uid : derivedSops) EXPECT_EQ(sourceSops.count(uid), 0u) << uid;

  // Each slice references the source slice at its position, in SourceImageSequence and in the
  // Common Instance Reference module (ReferencedSeriesSequence > ReferencedInstanceSequence).
  for (const auto& h : derived.slices) {
    const std::string expected = sourceSopAtZ[std::lround((*h.imagePosition)[2] * 100)];
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(test::dicomTextInItem(h.path, 0x00082112, 0x0008, 0x1155), expected);
    EXPECT_EQ(test::dicomTextInItem(h.path, 0x00082112, 0x0008, 0x1150), s.sopClassUid);
    EXPECT_EQ(test::dicomTextInItem(h.path, 0x00081115, 0x0020, 0x000e), s.seriesInstanceUid);
    EXPECT_EQ(test::dicomTextInItem(h.path, 0x00081115, 0x0008, 0x1155, 0x0008114a), expected);
  }

  expectReadBackAs(*image, dir / "derived", 0.0);  // the same voxels and grid

  test::expectValidDicom(written.files.front());
  test::expectValidDicom(written.files.back());
}

TEST(DerivedSeries, FractionalValuesOnAnObliqueGridSurviveWithinHalfASlope) {
  test::TempDir dir("derived-oblique");
  PhantomSpec spec;
  spec.size = {32, 32, 12};
  spec.spacing = {2, 2, 2.5};
  const SeriesVolume source = test::writeNamedCtSeries(dir / "source", spec);
  const auto image = obliqueRamp();

  const DerivedSeries written = writeDerivedSeries(*image, source, {}, dir / "derived");
  EXPECT_NE(written.rescale.slope, 1.0);
  const double halfStep = written.rescale.slope / 2;
  EXPECT_LT(halfStep, 1e-3);  // a range of ~55 over 65534 steps

  const SeriesVolume derived = test::onlyVolume(dir / "derived");
  EXPECT_EQ(derived.first().seriesDescription, "Source CT (medpipe)");
  EXPECT_NEAR(derived.first().sliceThickness, 3.3, 1e-9);  // not the source's 2.5: another grid
  expectReadBackAs(*image, dir / "derived", halfStep * 1.001 + 1e-4);  // + float32 rounding

  // Each slice references the source slice nearest to it along the source normal (z).
  for (const auto& h : derived.slices) {
    const double z = (*h.imagePosition)[2];
    const DicomHeader* nearest = &source.slices.front();
    for (const auto& s : source.slices)
      if (std::abs((*s.imagePosition)[2] - z) < std::abs((*nearest->imagePosition)[2] - z)) nearest = &s;
    EXPECT_EQ(test::dicomTextInItem(h.path, 0x00082112, 0x0008, 0x1155), nearest->sopInstanceUid);
  }
  test::expectValidDicom(written.files.front());
}

TEST(DerivedSeries, MrStaysMrImageStorageWithRescale) {
  test::TempDir dir("derived-mr");
  PhantomSpec spec;
  spec.size = {32, 28, 6};
  const Phantom phantom = makeBodyPhantom(spec);
  auto mr = ImageF::New();  // MR-like: non-negative whole numbers
  mr->Graft(phantom.image);
  for (size_t i = 0; i < mr->GetPixelContainer()->Size(); ++i) mr->GetBufferPointer()[i] += 1024;
  DicomSeriesInfo info;
  info.modality = "MR";
  info.imageType = "ORIGINAL\\PRIMARY\\M";
  info.bodyPartExamined = "CHEST";
  writeDicomSeries(*mr, dir / "source", info);
  const SeriesVolume source = test::onlyVolume(dir / "source");
  const auto image = readVolume(source, IrregularGeometry::Fail);
  for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i) image->GetBufferPointer()[i] *= 0.37f;

  const DerivedSeries written = writeDerivedSeries(*image, source, {}, dir / "derived");
  const SeriesVolume derived = test::onlyVolume(dir / "derived");
  EXPECT_EQ(derived.first().sopClassUid, "1.2.840.10008.5.1.4.1.1.4");  // MR Image Storage, not Enhanced MR
  EXPECT_EQ(derived.first().imageType, "DERIVED\\SECONDARY\\OTHER");
  EXPECT_EQ(test::dicomText(written.files[0], 0x0018, 0x0020), "RM");  // Type 1, absent in the source
  expectReadBackAs(*image, dir / "derived", written.rescale.slope / 2 * 1.001 + 1e-4);
  test::expectValidDicom(written.files.front());
}

TEST(DerivedSeries, ChoosesTheRescaleFromTheValues) {
  auto image = ImageF::New();
  ImageF::RegionType region;
  region.SetSize({{4, 1, 1}});
  image->SetRegions(region);
  image->Allocate();
  auto set = [&](float a, float b, float c, float d) {
    const float values[4] = {a, b, c, d};
    std::copy(values, values + 4, image->GetBufferPointer());
  };
  set(-1000, 0, 40, 3000);  // CT HU
  EXPECT_EQ(chooseRescale(*image, "CT").intercept, -1024.0);
  EXPECT_EQ(chooseRescale(*image, "CT").slope, 1.0);
  EXPECT_EQ(chooseRescale(*image, "MR").intercept, 0.0);  // signed 16 bit, slope 1
  set(-2048, 0, 40, 3000);                                // below -1024: signed, intercept 0
  EXPECT_EQ(chooseRescale(*image, "CT").intercept, 0.0);
  EXPECT_EQ(chooseRescale(*image, "CT").slope, 1.0);
  set(0, 1, 2, 3);  // label numbers
  EXPECT_EQ(chooseRescale(*image, "OT").slope, 1.0);
  EXPECT_EQ(chooseRescale(*image, "OT").intercept, 0.0);
  set(-0.5f, 0.25f, 1, 2);  // fractions: the range over 65534 steps
  const StoredRescale r = chooseRescale(*image, "MR");
  EXPECT_EQ(r.intercept, -0.5);
  EXPECT_NEAR(r.slope, 2.5 / 65534, 1e-15);
  set(70000, 0, 1, 2);  // whole but beyond 16 bits
  EXPECT_NEAR(chooseRescale(*image, "CT").slope, 70000.0 / 65534, 1e-9);
  set(7.25f, 7.25f, 7.25f, 7.25f);  // constant
  EXPECT_EQ(chooseRescale(*image, "MR").intercept, 7.25);
  set(1, std::nanf(""), 2, 3);
  EXPECT_THROW(chooseRescale(*image, "MR"), Error);
}

TEST(DerivedSeries, FolderAppearsWholeAndIsReplacedOnlyWithOverwrite) {
  test::TempDir dir("derived-overwrite");
  PhantomSpec spec;
  spec.size = {24, 20, 8};
  const SeriesVolume source = test::writeNamedCtSeries(dir / "source", spec);
  const auto image = readVolume(source, IrregularGeometry::Fail);
  writeDerivedSeries(*image, source, {}, dir / "derived");
  EXPECT_THROW(writeDerivedSeries(*image, source, {}, dir / "derived"), Error);

  // A thinner stack replaces the old one entirely: no stale slices from the first write.
  auto thin = ImageF::New();
  ImageF::RegionType region = image->GetLargestPossibleRegion();
  region.SetSize(2, 3);
  thin->CopyInformation(image);
  thin->SetRegions(region);
  thin->Allocate();
  thin->FillBuffer(5);
  DerivedSeriesOptions options;
  options.overwrite = true;
  writeDerivedSeries(*thin, source, options, dir / "derived");
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "source" || name == "derived") << "left behind: " << name;
  }
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir / "derived")) ++files;
  EXPECT_EQ(files, 3u);
}

TEST(DerivedSeries, RealCtRoundTripIsExact) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  test::TempDir dir("derived-real-ct");
  const DicomIndex index = indexDicomFolder(test::sharedDataDir() / "ct-philips-140");
  ASSERT_EQ(index.volumes.size(), 1u);
  const SeriesVolume& source = index.volumes.front();
  const auto image = readVolume(source, IrregularGeometry::Fail);
  const DerivedSeries written = writeDerivedSeries(*image, source, {}, dir / "derived");
  ASSERT_EQ(written.files.size(), 140u);
  const SeriesVolume derived = test::onlyVolume(dir / "derived");
  EXPECT_EQ(derived.first().studyInstanceUid, source.first().studyInstanceUid);
  EXPECT_EQ(derived.first().frameOfReferenceUid, source.first().frameOfReferenceUid);
  expectReadBackAs(*image, dir / "derived", 0.0);
  test::expectValidDicom(written.files.front());
  test::expectValidDicom(written.files.back());
}

TEST(DerivedSeries, EnhancedMrSourceIsReferencedFrameByFrame) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-philips-pcasl/enhanced");
  test::TempDir dir("derived-enhanced-mr");
  const DicomIndex index = indexDicomFolder(test::sharedDataDir() / "mr-philips-pcasl" / "enhanced");
  ASSERT_EQ(index.volumes.size(), 1u);
  const SeriesVolume& source = index.volumes.front();
  const auto image = readVolume(source, IrregularGeometry::Fail);
  const DerivedSeries written = writeDerivedSeries(*image, source, {}, dir / "derived");
  ASSERT_EQ(written.files.size(), image->GetLargestPossibleRegion().GetSize()[2]);
  const SeriesVolume derived = test::onlyVolume(dir / "derived");
  EXPECT_EQ(derived.first().sopClassUid, "1.2.840.10008.5.1.4.1.1.4");
  std::set<std::string> frames;
  for (const auto& h : derived.slices) {
    EXPECT_EQ(test::dicomTextInItem(h.path, 0x00082112, 0x0008, 0x1155), source.first().sopInstanceUid);
    frames.insert(test::dicomTextInItem(h.path, 0x00082112, 0x0008, 0x1160));
  }
  EXPECT_EQ(frames.size(), derived.slices.size());  // one distinct ReferencedFrameNumber per slice
  expectReadBackAs(*image, dir / "derived", written.rescale.slope / 2 * 1.001 + 1e-4);
  test::expectValidDicom(written.files.front());
}

}  // namespace medpipe
