// Regions from DICOM: RTSTRUCTs written with GDCM on a generated (oblique) CT
// series, rasterised onto its grid (voxel counts of known areas and a hole),
// written as a DICOM SEG and read back (same voxels, names, colours); bad
// contours named by file, ROI and contour number.
#include <gtest/gtest.h>

#include "captured_warnings.h"
#include "dicom_output_support.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/io/segmentation.h"
#include "rtstruct_support.h"
#include "stage_test_support.h"
#include "test_support.h"

namespace medpipe::test {
namespace {

PhantomSpec ctSpec() {
  PhantomSpec spec;
  spec.size = {40, 36, 8};
  spec.spacing = {1.0, 1.0, 2.5};
  spec.obliqueDegrees = 15;  // contour points in LPS mm on a tilted grid
  return spec;
}

struct Fixture {
  SeriesVolume series;
  ImageF::Pointer grid;
};

Fixture writeCt(const fs::path& folder) {
  Fixture f;
  f.series = writeNamedCtSeries(folder, ctSpec());
  f.grid = readVolume(f.series, IrregularGeometry::Fail);
  return f;
}

// "GTV primary": a 20 x 20 square with a 6 x 6 hole on slice 3 (364 voxels) and
// a 6 x 6 square on slice 4 (36); "Lung L": an 8 x 8 square on slice 5 (64).
std::vector<TestRoi> plannedRois(const Fixture& f) {
  TestRoi gtv{3, "GTV primary", {255, 0, 0}, "GTV", {}};
  gtv.contours = {indexSquare(*f.grid, f.series, 4.5, 24.5, 3), indexSquare(*f.grid, f.series, 10.5, 16.5, 3),
                  indexSquare(*f.grid, f.series, 6.5, 12.5, 4)};
  TestRoi lung{5, "Lung L", {0, 128, 255}, "ORGAN", {indexSquare(*f.grid, f.series, 26.5, 34.5, 5)}};
  return {gtv, lung};
}

TEST(RegionObjects, StructureSetRasterisesOnTheSeriesGrid) {
  TempDir dir("regions-raster");
  const Fixture f = writeCt(dir / "ct");
  writeTestRtStruct(dir / "rs.dcm", plannedRois(f), f.series);

  const RegionObject listed = describeRegionObject(dir / "rs.dcm");
  EXPECT_EQ(listed.kind, RegionObjectKind::StructureSet);
  EXPECT_EQ(listed.referencedSeriesUid, f.series.first().seriesInstanceUid);
  ASSERT_EQ(listed.regions.size(), 2u);
  EXPECT_EQ(listed.regions[1].name, "Lung L");
  EXPECT_EQ(listed.regions[1].type, "ORGAN");

  RegionReadOptions options;
  for (const auto& s : f.series.slices) options.sliceUids.insert(s.sopInstanceUid);
  const RegionMap map = readRegionObject(dir / "rs.dcm", *f.grid, options);
  ASSERT_EQ(map.regions.size(), 2u);
  EXPECT_EQ(countLabel(*map.labels, 1), 364u + 36u);
  EXPECT_EQ(countLabel(*map.labels, 2), 64u);
  EXPECT_EQ(map.labels->GetPixel({{13, 13, 3}}), 0) << "the hole";
  EXPECT_EQ(map.labels->GetPixel({{5, 5, 3}}), 1);
  EXPECT_EQ(map.labels->GetPixel({{30, 30, 5}}), 2);
  EXPECT_EQ(map.regions[0].type, "GTV");
  EXPECT_EQ(map.regions[1].rgb, (std::array<std::uint8_t, 3>{0, 128, 255}));

  options.rois = {"Lung*"};
  const RegionMap lung = readRegionObject(dir / "rs.dcm", *f.grid, options);
  ASSERT_EQ(lung.regions.size(), 1u);
  EXPECT_EQ(lung.regions[0].name, "Lung L");
  EXPECT_EQ(lung.regions[0].label, 1);
  EXPECT_EQ(countLabel(*lung.labels, 1), 64u);
  EXPECT_EQ(countLabel(*lung.labels, 2), 0u);
}

TEST(RegionObjects, StructureSetRoundTripsThroughSeg) {
  TempDir dir("regions-roundtrip");
  const Fixture f = writeCt(dir / "ct");
  writeTestRtStruct(dir / "rs.dcm", plannedRois(f), f.series);
  const RegionMap fromContours = readRegionObject(dir / "rs.dcm", *f.grid);

  SegmentationOptions seg;
  for (const auto& r : fromContours.regions) {
    SegmentDescription s;
    s.label = r.label, s.name = r.name, s.rgb = r.rgb;
    seg.segments.push_back(s);
  }
  writeSegmentation(*fromContours.labels, f.series, seg, dir / "seg.dcm");
  const RegionObject listed = describeRegionObject(dir / "seg.dcm");
  EXPECT_EQ(listed.kind, RegionObjectKind::Segmentation);
  EXPECT_EQ(listed.referencedSeriesUid, f.series.first().seriesInstanceUid);

  const RegionMap back = readRegionObject(dir / "seg.dcm", *f.grid);
  size_t differing = 0;
  for (size_t i = 0; i < back.labels->GetPixelContainer()->Size(); ++i)
    differing += back.labels->GetBufferPointer()[i] != fromContours.labels->GetBufferPointer()[i];
  EXPECT_EQ(differing, 0u);
  EXPECT_EQ(countLabel(*back.labels, 1), 400u);
  ASSERT_EQ(back.regions.size(), fromContours.regions.size());
  for (size_t i = 0; i < back.regions.size(); ++i) {
    EXPECT_EQ(back.regions[i].label, fromContours.regions[i].label);
    EXPECT_EQ(back.regions[i].name, fromContours.regions[i].name);
    EXPECT_EQ(back.regions[i].rgb, fromContours.regions[i].rgb) << back.regions[i].name;
  }
  // Selecting from the SEG renumbers as from the RTSTRUCT.
  RegionReadOptions lung;
  lung.rois = {"Lung L"};
  const RegionMap selected = readRegionObject(dir / "seg.dcm", *f.grid, lung);
  ASSERT_EQ(selected.regions.size(), 1u);
  EXPECT_EQ(selected.regions[0].name, "Lung L");
  EXPECT_EQ(countLabel(*selected.labels, 1), 64u);
}

TEST(RegionObjects, BadContoursNameTheFileRoiAndContour) {
  TempDir dir("regions-bad");
  const Fixture f = writeCt(dir / "ct");
  RegionReadOptions options;
  for (const auto& s : f.series.slices) options.sliceUids.insert(s.sopInstanceUid);
  auto expectMessage = [&](const std::string& name, const TestRoi& roi, const std::string& message) {
    const fs::path file = dir / (name + ".dcm");
    writeTestRtStruct(file, {roi}, f.series);
    EXPECT_EQ(errorOf([&] { readRegionObject(file, *f.grid, options); }), file.string() + ": " + message);
  };
  const TestContour good = indexSquare(*f.grid, f.series, 4.5, 9.5, 2);
  TestContour open = indexSquare(*f.grid, f.series, 4.5, 9.5, 3);
  open.type = "OPEN_PLANAR";
  expectMessage("open", {1, "Lung R", {}, "ORGAN", {good, open}},
                "ContourGeometricType: ROI 'Lung R' contour 2 is OPEN_PLANAR, not CLOSED_PLANAR");
  TestContour tilted = good;
  tilted.points[2] = indexSquare(*f.grid, f.series, 4.5, 9.5, 4).points[2];
  expectMessage("offplane", {1, "Heart", {}, "ORGAN", {good, tilted}},
                "ContourData: ROI 'Heart' contour 2 does not lie in one slice plane");
  TestContour missing = good;
  missing.imageUid = "1.2.826.0.1.3680043.2.1125.97.1";
  expectMessage("missing-slice", {1, "Cord", {}, "AVOIDANCE", {good, good, missing}},
                "ContourImageSequence: ROI 'Cord' contour 3 references an image that is not a slice of the series");
  TestContour outside = indexSquare(*f.grid, f.series, 4.5, 9.5, 12);
  outside.imageUid.clear();
  expectMessage("outside", {1, "Cord", {}, "AVOIDANCE", {outside}},
                "ContourData: ROI 'Cord' contour 1 lies on no slice of the image (slice index 12.00)");
  TestContour two = good;
  two.points.resize(2);
  expectMessage("short", {1, "Cord", {}, "AVOIDANCE", {two}},
                "ContourData: ROI 'Cord' contour 1 has fewer than 3 points");

  writeTestRtStruct(dir / "rs.dcm", plannedRois(f), f.series);
  options.rois = {"GTV*", "Liver"};
  EXPECT_EQ(errorOf([&] { readRegionObject(dir / "rs.dcm", *f.grid, options); }),
            (dir / "rs.dcm").string() +
                ": rois: 'Liver' matches no ROI of the structure set (ROIs: 'GTV primary', 'Lung L')");
  // A bad contour of a ROI that is not selected does not stop the others.
  writeTestRtStruct(dir / "mixed.dcm", {plannedRois(f)[1], {1, "Lung R", {}, "ORGAN", {good, open}}}, f.series);
  options.rois = {"Lung L"};
  EXPECT_EQ(countLabel(*readRegionObject(dir / "mixed.dcm", *f.grid, options).labels, 1), 64u);
  // A file that is neither.
  EXPECT_EQ(errorOf([&] { describeRegionObject(f.series.first().path); }),
            f.series.first().path.string() + ": SOPClassUID: neither an RT Structure Set nor a Segmentation");
}

// pydicom's test RTSTRUCT (Debian python3-pydicom): a body contour and two
// POINT isocentres.
// A contour that crosses itself (a bow tie; IBSI's CT phantom has one that doubles back) is filled
// by the even-odd rule, with a warning naming the file, the ROI and the edges.
TEST(RegionObjects, SelfIntersectingContourIsFilledWithAWarning) {
  TempDir dir("regions-bowtie");
  const Fixture f = writeCt(dir / "ct");
  const fs::path file = dir / "bowtie.dcm";
  writeTestRtStruct(
      file, {{1, "Heart", {}, "ORGAN", {indexPolygon(*f.grid, f.series, {{4, 4}, {9, 4}, {4, 9}, {9, 9}}, 2)}}},
      f.series);
  CapturedWarnings warnings;
  const RegionMap map = readRegionObject(file, *f.grid);
  EXPECT_EQ(warnings.lines(),
            std::vector<std::string>{file.string() +
                                     ": ContourData: ROI 'Heart' contour 1 intersects itself (edges 2 and 4); filled by "
                                     "the even-odd rule"});
  EXPECT_GT(countLabel(*map.labels, 1), 0u);
  EXPECT_LT(countLabel(*map.labels, 1), 25u);  // two triangles, less than the 5 x 5 box
}

TEST(RegionObjects, PydicomStructureSetIsListedWithItsPointRois) {
  const fs::path file = "/usr/lib/python3/dist-packages/pydicom/data/test_files/rtstruct.dcm";
  if (!fs::exists(file)) GTEST_SKIP() << file << " is absent (Debian package python3-pydicom)";
  const RegionObject object = describeRegionObject(file);
  ASSERT_EQ(object.regions.size(), 3u);
  EXPECT_EQ(object.regions[0].name, "patient");
  EXPECT_EQ(object.regions[0].type, "EXTERNAL");
  EXPECT_EQ(object.regions[1].name, "Isocenter 1");
  EXPECT_EQ(object.regions[1].type, "ISOCENTER");
  EXPECT_EQ(object.referencedSeriesUid, "1.2.826.0.1.3680043.8.498.2010020400001.2.1.1");
  auto grid = ImageF::New();
  grid->SetRegions(itk::ImageRegion<3>({{0, 0, 0}}, {{4, 4, 4}}));
  RegionReadOptions options;
  options.rois = {"Isocenter 1"};
  EXPECT_EQ(errorOf([&] { readRegionObject(file, *grid, options); }),
            file.string() + ": ContourSequence: ROI 'Isocenter 1' has no closed planar contours");
}

}  // namespace
}  // namespace medpipe::test
