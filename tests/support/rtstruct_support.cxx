#include "rtstruct_support.h"

#include <gdcmFileMetaInformation.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmWriter.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace medpipe::test {
namespace {

const char* kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

}  // namespace

gdcm::DataElement textElement(const gdcm::Tag& tag, const gdcm::VR& vr, std::string value) {
  if (value.size() % 2) value += vr == gdcm::VR::UI ? '\0' : ' ';
  gdcm::DataElement de(tag);
  de.SetVR(vr);
  de.SetByteValue(value.data(), uint32_t(value.size()));
  return de;
}

gdcm::DataElement sequence(const gdcm::Tag& tag, const std::vector<gdcm::DataSet>& items) {
  gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
  sq->SetLengthToUndefined();
  for (const auto& ds : items) {
    gdcm::Item item;
    item.SetVLToUndefined();
    item.SetNestedDataSet(ds);
    sq->AddItem(item);
  }
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::SQ);
  de.SetValue(*sq);
  de.SetVLToUndefined();
  return de;
}

void writeTestRtStruct(const std::filesystem::path& file, const std::vector<TestRoi>& rois, const SeriesVolume& series,
                       const std::string& seriesUid) {
  const DicomHeader& h = series.first();
  gdcm::Writer writer;
  gdcm::DataSet& ds = writer.GetFile().GetDataSet();
  ds.Insert(textElement(gdcm::Tag(0x0008, 0x0016), gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.481.3"));
  ds.Insert(
      textElement(gdcm::Tag(0x0008, 0x0018), gdcm::VR::UI,
                  "1.2.826.0.1.3680043.2.1125.99." + std::to_string(std::hash<std::string>{}(file.string()) % 100000)));
  ds.Insert(textElement(gdcm::Tag(0x0008, 0x0060), gdcm::VR::CS, "RTSTRUCT"));
  ds.Insert(textElement(gdcm::Tag(0x0010, 0x0010), gdcm::VR::PN, h.patientName));
  ds.Insert(textElement(gdcm::Tag(0x0010, 0x0020), gdcm::VR::LO, h.patientId));
  ds.Insert(textElement(gdcm::Tag(0x0020, 0x000d), gdcm::VR::UI, h.studyInstanceUid));
  ds.Insert(textElement(gdcm::Tag(0x0020, 0x000e), gdcm::VR::UI, "1.2.826.0.1.3680043.2.1125.98.1"));
  ds.Insert(textElement(gdcm::Tag(0x3006, 0x0002), gdcm::VR::SH, "Plan contours"));

  // ReferencedFrameOfReferenceSequence > RTReferencedStudySequence >
  // RTReferencedSeriesSequence.
  std::vector<gdcm::DataSet> images;
  for (const auto& slice : series.slices) {
    gdcm::DataSet image;
    image.Insert(textElement(gdcm::Tag(0x0008, 0x1150), gdcm::VR::UI, kCtImageStorage));
    image.Insert(textElement(gdcm::Tag(0x0008, 0x1155), gdcm::VR::UI, slice.sopInstanceUid));
    images.push_back(image);
  }
  gdcm::DataSet seriesItem;
  seriesItem.Insert(
      textElement(gdcm::Tag(0x0020, 0x000e), gdcm::VR::UI, seriesUid.empty() ? h.seriesInstanceUid : seriesUid));
  seriesItem.Insert(sequence(gdcm::Tag(0x3006, 0x0016), images));
  gdcm::DataSet studyItem;
  studyItem.Insert(textElement(gdcm::Tag(0x0008, 0x1150), gdcm::VR::UI, "1.2.840.10008.3.1.2.3.1"));
  studyItem.Insert(textElement(gdcm::Tag(0x0008, 0x1155), gdcm::VR::UI, h.studyInstanceUid));
  studyItem.Insert(sequence(gdcm::Tag(0x3006, 0x0014), {seriesItem}));
  gdcm::DataSet frameItem;
  frameItem.Insert(textElement(gdcm::Tag(0x0020, 0x0052), gdcm::VR::UI, h.frameOfReferenceUid));
  frameItem.Insert(sequence(gdcm::Tag(0x3006, 0x0012), {studyItem}));
  ds.Insert(sequence(gdcm::Tag(0x3006, 0x0010), {frameItem}));

  std::vector<gdcm::DataSet> roiItems, contourItems, observationItems;
  for (const auto& roi : rois) {
    gdcm::DataSet r;
    r.Insert(textElement(gdcm::Tag(0x3006, 0x0022), gdcm::VR::IS, std::to_string(roi.number)));
    r.Insert(textElement(gdcm::Tag(0x3006, 0x0024), gdcm::VR::UI, h.frameOfReferenceUid));
    r.Insert(textElement(gdcm::Tag(0x3006, 0x0026), gdcm::VR::LO, roi.name));
    roiItems.push_back(r);
    gdcm::DataSet rc;
    rc.Insert(textElement(
        gdcm::Tag(0x3006, 0x002a), gdcm::VR::IS,
        std::to_string(roi.rgb[0]) + "\\" + std::to_string(roi.rgb[1]) + "\\" + std::to_string(roi.rgb[2])));
    rc.Insert(textElement(gdcm::Tag(0x3006, 0x0084), gdcm::VR::IS, std::to_string(roi.number)));
    std::vector<gdcm::DataSet> contours;
    for (size_t c = 0; c < roi.contours.size(); ++c) {
      const TestContour& contour = roi.contours[c];
      gdcm::DataSet item;
      if (!contour.imageUid.empty()) {
        gdcm::DataSet image;
        image.Insert(textElement(gdcm::Tag(0x0008, 0x1150), gdcm::VR::UI, kCtImageStorage));
        image.Insert(textElement(gdcm::Tag(0x0008, 0x1155), gdcm::VR::UI, contour.imageUid));
        item.Insert(sequence(gdcm::Tag(0x3006, 0x0016), {image}));
      }
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0042), gdcm::VR::CS, contour.type));
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0046), gdcm::VR::IS, std::to_string(contour.points.size())));
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0048), gdcm::VR::IS, std::to_string(c + 1)));
      std::ostringstream data;
      data.precision(10);
      for (size_t k = 0; k < contour.points.size(); ++k)
        data << (k ? "\\" : "") << contour.points[k][0] << "\\" << contour.points[k][1] << "\\" << contour.points[k][2];
      item.Insert(textElement(gdcm::Tag(0x3006, 0x0050), gdcm::VR::DS, data.str()));
      contours.push_back(item);
    }
    rc.Insert(sequence(gdcm::Tag(0x3006, 0x0040), contours));
    contourItems.push_back(rc);
    gdcm::DataSet observation;
    observation.Insert(textElement(gdcm::Tag(0x3006, 0x0082), gdcm::VR::IS, std::to_string(roi.number)));
    observation.Insert(textElement(gdcm::Tag(0x3006, 0x0084), gdcm::VR::IS, std::to_string(roi.number)));
    observation.Insert(textElement(gdcm::Tag(0x3006, 0x00a4), gdcm::VR::CS, roi.type));
    observationItems.push_back(observation);
  }
  ds.Insert(sequence(gdcm::Tag(0x3006, 0x0020), roiItems));
  ds.Insert(sequence(gdcm::Tag(0x3006, 0x0039), contourItems));
  ds.Insert(sequence(gdcm::Tag(0x3006, 0x0080), observationItems));
  gdcm::FileMetaInformation& meta = writer.GetFile().GetHeader();
  meta.SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  meta.FillFromDataSet(ds);
  writer.SetFileName(file.string().c_str());
  ASSERT_TRUE(writer.Write()) << file;
}

TestContour indexPolygon(const itk::ImageBase<3>& grid, const SeriesVolume& series,
                         const std::vector<std::array<double, 2>>& corners, int k) {
  TestContour contour;
  for (const auto& c : corners) {
    itk::ContinuousIndex<double, 3> index;
    index[0] = c[0], index[1] = c[1], index[2] = k;
    itk::Point<double, 3> p;
    grid.TransformContinuousIndexToPhysicalPoint(index, p);
    contour.points.push_back({p[0], p[1], p[2]});
  }
  // The slice at this position.
  itk::Point<double, 3> centre;
  for (const auto& slice : series.slices) {
    if (!slice.imagePosition) continue;
    for (int a = 0; a < 3; ++a) centre[a] = (*slice.imagePosition)[a];
    const auto index = grid.TransformPhysicalPointToContinuousIndex<double>(centre);
    if (std::abs(index[2] - k) < 0.01) contour.imageUid = slice.sopInstanceUid;
  }
  return contour;
}

TestContour indexSquare(const itk::ImageBase<3>& grid, const SeriesVolume& series, double a, double b, int k) {
  return indexPolygon(grid, series, {{a, a}, {b, a}, {b, b}, {a, b}}, k);
}

size_t countLabel(const LabelImage& labels, std::uint8_t value) {
  size_t n = 0;
  for (size_t i = 0; i < labels.GetPixelContainer()->Size(); ++i) n += labels.GetBufferPointer()[i] == value;
  return n;
}

}  // namespace medpipe::test
