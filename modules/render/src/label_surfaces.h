#pragma once
// Label maps as closed, smoothed triangle surfaces in LPS millimetres with outward-facing
// triangles and point normals: what rendering draws and export-mesh writes.
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include <cstdint>
#include <map>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

// The voxels whose value is one of `values` form one region; `label` names it (and colours it).
struct LabelRegion {
  std::uint8_t label = 0;
  std::vector<std::uint8_t> values;
};

struct LabelSurface {
  std::uint8_t label = 0;
  vtkSmartPointer<vtkPolyData> mesh;
};

// The non-zero label values present, ascending.
std::vector<std::uint8_t> labelsPresent(const LabelImage& labels);

// For every label present, the other labels whose voxel bounding boxes lie inside its own (a body
// outline around its organs). Labels that enclose nothing are absent.
std::map<std::uint8_t, std::vector<std::uint8_t>> enclosedLabels(const LabelImage& labels);

// One surface per region (discrete flying edges on the label map padded with a zero border, then
// windowed-sinc smoothing); regions without voxels are left out. smoothing in [0, 1] as 3D
// Slicer's smoothing factor: 0 keeps the voxel staircase, 0.5 is Slicer's default.
std::vector<LabelSurface> labelSurfaces(const LabelImage& labels, const std::vector<LabelRegion>& regions,
                                        double smoothing = 0.5);

}  // namespace medpipe
