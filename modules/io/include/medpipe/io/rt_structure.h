#pragma once
// DICOM RT Structure Sets (radiotherapy contours): the ROIs with their closed planar contours, and
// their rasterisation onto an image grid (one label per ROI, even-odd rule for holes).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

using ContourPoints = std::vector<std::array<double, 3>>;  // LPS mm, as ContourData

struct StructureRoi {
  int number = 0;                              // ROINumber (3006,0022)
  std::string name;                            // ROIName (3006,0026)
  std::array<std::uint8_t, 3> rgb{255, 0, 0};  // ROIDisplayColor (3006,002A)
  std::vector<ContourPoints> contours;         // CLOSED_PLANAR contours, in file order
};

struct StructureSet {
  std::vector<StructureRoi> rois;   // StructureSetROISequence order
  std::string referencedSeriesUid;  // of the first referenced series, "" when absent
};

// Reads an RTSTRUCT file. Throws medpipe::Error naming the file, and the ROI and contour number
// for a contour that is not CLOSED_PLANAR or whose ContourData is not x,y,z triplets.
StructureSet readStructureSet(const std::filesystem::path& file);

// Label i + 1 for rois[i] (at most 255; where ROIs overlap the later one wins). Each contour lies
// on the grid slice nearest to it (within half a slice spacing); voxel centres inside an odd number
// of a ROI's contours of that slice are inside (holes). Throws medpipe::Error naming the ROI and
// contour for a contour with fewer than 3 points, not in one slice plane, self-intersecting, or
// on no slice of the grid.
LabelImage::Pointer rasteriseStructures(const std::vector<StructureRoi>& rois, const itk::ImageBase<3>& grid);

}  // namespace medpipe
