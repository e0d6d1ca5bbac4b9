// RT Structure Sets: a hand-written RTSTRUCT (a square ring: outer and inner contour on one slice,
// and a triangle on another) read back and rasterised onto a grid, voxel counts against the exact
// areas; bad contours named by ROI and contour number.
#include <gdcmFileMetaInformation.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmWriter.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/io/rt_structure.h"
#include "rtstruct_support.h"
#include "test_support.h"

namespace medpipe::test {
namespace {

struct Contour {
  std::string type = "CLOSED_PLANAR";
  std::vector<std::array<double, 3>> points;
};
struct Roi {
  int number;
  std::string name;
  std::vector<Contour> contours;
};

void writeRtStruct(const fs::path& file, const std::vector<Roi>& rois) {
  gdcm::Writer writer;
  gdcm::DataSet& ds = writer.GetFile().GetDataSet();
  ds.Insert(textElement(gdcm::Tag(0x0008, 0x0016), gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.481.3"));
  ds.Insert(textElement(gdcm::Tag(0x0008, 0x0018), gdcm::VR::UI, "1.2.826.0.1.3680043.2.1125.99.1"));
  ds.Insert(textElement(gdcm::Tag(0x0008, 0x0060), gdcm::VR::CS, "RTSTRUCT"));
  std::vector<gdcm::DataSet> roiItems, contourItems;
  for (const auto& roi : rois) {
    gdcm::DataSet r;
    r.Insert(textElement(gdcm::Tag(0x3006, 0x0022), gdcm::VR::IS, std::to_string(roi.number)));
    r.Insert(textElement(gdcm::Tag(0x3006, 0x0026), gdcm::VR::LO, roi.name));
    roiItems.push_back(r);
    gdcm::DataSet rc;
    rc.Insert(textElement(gdcm::Tag(0x3006, 0x002a), gdcm::VR::IS, "0\\128\\255"));
    rc.Insert(textElement(gdcm::Tag(0x3006, 0x0084), gdcm::VR::IS, std::to_string(roi.number)));
    std::vector<gdcm::DataSet> contours;
    for (const auto& c : roi.contours) {
      gdcm::DataSet item;
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0042), gdcm::VR::CS, c.type));
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0046), gdcm::VR::IS, std::to_string(c.points.size())));
      std::ostringstream data;
      for (size_t k = 0; k < c.points.size(); ++k)
        data << (k ? "\\" : "") << c.points[k][0] << "\\" << c.points[k][1] << "\\" << c.points[k][2];
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0050), gdcm::VR::DS, data.str()));
      contours.push_back(item);
    }
    rc.Insert(sequence(gdcm::Tag(0x3006, 0x0040), contours));
    contourItems.push_back(rc);
  }
  ds.Insert(sequence(gdcm::Tag(0x3006, 0x0020), roiItems));
  ds.Insert(sequence(gdcm::Tag(0x3006, 0x0039), contourItems));
  gdcm::FileMetaInformation& meta = writer.GetFile().GetHeader();
  meta.SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  meta.FillFromDataSet(ds);
  writer.SetFileName(file.string().c_str());
  ASSERT_TRUE(writer.Write());
}

// 20 x 20 x 5 voxels of 1 x 1 x 2 mm, origin (10, -5, 100) mm.
ImageF::Pointer grid() {
  auto image = ImageF::New();
  itk::ImageRegion<3> region;
  region.SetSize({{20, 20, 5}});
  image->SetRegions(region);
  const double spacing[3] = {1, 1, 2}, origin[3] = {10, -5, 100};
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  return image;
}

// A square with corners at voxel index (a, a) and (b, b) on slice k, as LPS mm (z 0.3 mm off).
Contour square(double a, double b, int k) {
  const double z = 100 + 2 * k + 0.3;
  return {"CLOSED_PLANAR", {{10 + a, -5 + a, z}, {10 + b, -5 + a, z}, {10 + b, -5 + b, z}, {10 + a, -5 + b, z}}};
}

size_t count(const LabelImage& labels, std::uint8_t value, long slice = -1) {
  size_t n = 0;
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  for (size_t i = 0; i < labels.GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    if (labels.GetBufferPointer()[i] == value && (slice < 0 || long(i / (size[0] * size[1])) == slice)) ++n;
  return n;
}

TEST(RtStructure, RingWithAHoleAndATriangleRasterise) {
  TempDir dir("rtstruct");
  const double z3 = 100 + 2 * 3;
  writeRtStruct(
      dir / "rs.dcm",
      {{7, "GTV ring", {square(1.5, 16.5, 2), square(5.5, 12.5, 2)}},
       {9,
        "Triangle",
        {{"CLOSED_PLANAR", {{10 + 1.5, -5 + 1.5, z3}, {10 + 11.5, -5 + 1.5, z3}, {10 + 1.5, -5 + 11.5, z3}}}}}});
  const StructureSet set = readStructureSet(dir / "rs.dcm");
  ASSERT_EQ(set.rois.size(), 2u);
  EXPECT_EQ(set.rois[0].name, "GTV ring");
  EXPECT_EQ(set.rois[0].number, 7);
  EXPECT_EQ(set.rois[0].contours.size(), 2u);
  EXPECT_EQ(set.rois[1].rgb, (std::array<std::uint8_t, 3>{0, 128, 255}));
  const auto labels = rasteriseStructures(set.rois, *grid());
  // Ring: (15^2 - 7^2) mm^2 = 176 voxels of 1 mm^2, all on slice 2; the hole stays empty.
  EXPECT_EQ(count(*labels, 1), 176u);
  EXPECT_EQ(count(*labels, 1, 2), 176u);
  EXPECT_EQ(labels->GetPixel({{9, 9, 2}}), 0) << "inside the hole";
  EXPECT_EQ(labels->GetPixel({{3, 3, 2}}), 1);
  // Right triangle with legs of 10 mm: the voxel centres strictly below its hypotenuse x + y = 13
  // (centres on it fall outside by the half-open crossing rule), 45 of them.
  size_t expected = 0;
  for (int y = 2; y <= 11; ++y)
    for (int x = 2; x <= 11; ++x) expected += x + y < 13;
  EXPECT_EQ(expected, 45u);
  EXPECT_EQ(count(*labels, 2, 3), expected);
  EXPECT_NEAR(double(count(*labels, 2)), 50.0, 10.0) << "area 10 x 10 / 2 mm^2";
}

TEST(RtStructure, BadContoursNameTheRoiAndContour) {
  TempDir dir("rtstruct-bad");
  writeRtStruct(dir / "open.dcm", {{1, "Lung", {square(1.5, 5.5, 1), {"OPEN_PLANAR", square(1.5, 5.5, 2).points}}}});
  const StructureSet open = readStructureSet(dir / "open.dcm");  // recorded, an error when rasterised
  EXPECT_EQ(open.rois[0].problem, "ROI 'Lung' contour 2 is OPEN_PLANAR, not CLOSED_PLANAR");
  EXPECT_EQ(open.rois[0].problemField, "ContourGeometricType");
  try {
    readRegionObject(dir / "open.dcm", *grid());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "open.dcm").string() +
                                         ": ContourGeometricType: ROI 'Lung' contour 2 is OPEN_PLANAR, not CLOSED_PLANAR");
  }
  auto expectError = [&](const StructureRoi& roi, const std::string& message) {
    try {
      rasteriseStructures({roi}, *grid());
      ADD_FAILURE() << "no error for " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  StructureRoi roi{1, "Heart", {}, {}, {}, {}, {}, {}};
  roi.contours = {square(1.5, 5.5, 1).points, {{10, -5, 100}, {12, -5, 104}, {12, -3, 100}}};
  expectError(roi, "ROI 'Heart' contour 2 does not lie in one slice plane");
  roi.contours = {square(1.5, 5.5, 9).points};
  expectError(roi, "ROI 'Heart' contour 1 lies on no slice of the image");
  // A bow tie is filled by the even-odd rule, with a warning: both triangles, not the crossing.
  roi.contours = {{{11, -4, 102}, {15, -4, 102}, {11, 0, 102}, {15, 0, 102}}};
  std::vector<std::string> warnings;
  const auto bowTie = rasteriseStructures({roi}, *grid(), &warnings);
  EXPECT_EQ(warnings, std::vector<std::string>{
                          "ContourData: ROI 'Heart' contour 1 intersects itself (edges 2 and 4); filled by the even-odd rule"});
  // Voxel centres of rows 1, 2, 4 inside the two triangles (4 + 2 + 2); row 3 is the crossing.
  EXPECT_EQ(count(*bowTie, 1), 8u);
  roi.contours = {{{11, -4, 102}, {15, -4, 102}}};
  expectError(roi, "ROI 'Heart' contour 1 has fewer than 3 points");
}

TEST(RtStructure, RadiomicsCommandTakesAStructureSet) {
  TempDir dir("rtstruct-cli");
  writeRtStruct(dir / "rs.dcm",
                {{7, "GTV ring", {square(1.5, 16.5, 2), square(5.5, 12.5, 2)}}, {9, "Lung", {square(1.5, 9.5, 3)}}});
  auto image = grid();
  image->Allocate();
  for (size_t i = 0; i < image->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    image->GetBufferPointer()[i] = float(i % 7) * 10;
  writeImage(*image, dir / "ct.nii.gz");
  auto r = runMedpipe("radiomics " + (dir / "ct.nii.gz").string() + " " + (dir / "rs.dcm").string() +
                      " --roi 'GTV*' --bin-count 8 --aggregation 3d -o " + (dir / "f.csv").string() +
                      " --diagnostics " + (dir / "d.json").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream in(dir / "d.json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"diag_n_voxel_initial\": 176"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("\"label\": 2"), std::string::npos) << "only the GTV was selected";
  r = runMedpipe("radiomics " + (dir / "ct.nii.gz").string() + " " + (dir / "rs.dcm").string() + " --roi 'Liver' -o " +
                 (dir / "g.csv").string());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("rois: 'Liver' matches no ROI of the structure set (ROIs: 'GTV ring', 'Lung')"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace medpipe::test
