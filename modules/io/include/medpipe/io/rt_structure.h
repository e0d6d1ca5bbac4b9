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
  std::string type;                            // RTROIInterpretedType (3006,00A4): GTV, ORGAN...; "" when absent
  // Per contour: the ReferencedSOPInstanceUID of its ContourImageSequence, "" when it names none.
  std::vector<std::string> contourImages;
  // The first contour that cannot be a region (OPEN_PLANAR, bad ContourData): the ROI cannot be
  // rasterised. POINT contours (isocentres, markers) are left out without a problem.
  std::string problem, problemField;
};

struct StructureSet {
  std::vector<StructureRoi> rois;   // StructureSetROISequence order
  std::string referencedSeriesUid;  // of the first referenced series, "" when absent
  std::string frameOfReferenceUid;  // FrameOfReferenceUID of the first ReferencedFrameOfReferenceSequence item
};

// Reads an RTSTRUCT file. Throws medpipe::Error naming the file for a file that is not an RTSTRUCT
// or whose ROI numbers do not match; bad contours are recorded in StructureRoi::problem.
StructureSet readStructureSet(const std::filesystem::path& file);

// Label i + 1 for rois[i] (at most 255; where ROIs overlap the later one wins). Each contour lies
// on the grid slice nearest to it (within half a slice spacing); voxel centres inside an odd number
// of a ROI's contours of that slice are inside (holes). Throws medpipe::Error naming the ROI and
// contour for a contour with fewer than 3 points, not in one slice plane, or on no slice of the
// grid. A self-intersecting contour is filled by the same even-odd rule (what planning systems
// and IBSI's own CT phantom, whose GTV has one, expect) and named in `warnings` when given.
LabelImage::Pointer rasteriseStructures(const std::vector<StructureRoi>& rois, const itk::ImageBase<3>& grid,
                                        std::vector<std::string>* warnings = nullptr);

}  // namespace medpipe
