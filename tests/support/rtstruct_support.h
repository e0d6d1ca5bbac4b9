#pragma once
// Test RT Structure Sets written as real DICOM (GDCM) that reference a
// generated CT series: ROIs drawn in the series' voxel indices, stored as LPS
// mm contour points with ContourImageSequence.
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <gdcmDataElement.h>
#include <gdcmDataSet.h>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"

namespace medpipe::test {

// Elements of hand-built DICOM objects: a text value padded to even length, a sequence of items.
gdcm::DataElement textElement(const gdcm::Tag& tag, const gdcm::VR& vr, std::string value);
gdcm::DataElement sequence(const gdcm::Tag& tag, const std::vector<gdcm::DataSet>& items);

struct TestContour {
  std::string type = "CLOSED_PLANAR";
  std::vector<std::array<double, 3>> points;  // LPS mm
  std::string imageUid;                       // ContourImageSequence's ReferencedSOPInstanceUID, "" = none
};

struct TestRoi {
  int number = 1;
  std::string name;
  std::array<int, 3> rgb{255, 0, 0};
  std::string type = "ORGAN";  // RTROIInterpretedType
  std::vector<TestContour> contours;
};

// Writes an RTSTRUCT into `file` referencing `series` (its study, frame of
// reference and series UID), or referencing `seriesUid` when it is not empty (a
// series that is not in the export).
void writeTestRtStruct(const std::filesystem::path& file, const std::vector<TestRoi>& rois, const SeriesVolume& series,
                       const std::string& seriesUid = "");

// The polygon with the given corners in voxel indices (i, j) on slice k of
// `grid`, in LPS mm; the contour references the SOPInstanceUID of the series'
// slice k (by position).
TestContour indexPolygon(const itk::ImageBase<3>& grid, const SeriesVolume& series,
                         const std::vector<std::array<double, 2>>& corners, int k);
// A square with corners (a, a) and (b, b).
TestContour indexSquare(const itk::ImageBase<3>& grid, const SeriesVolume& series, double a, double b, int k);

// Voxels of `labels` equal to `value`.
size_t countLabel(const LabelImage& labels, std::uint8_t value);

}  // namespace medpipe::test
