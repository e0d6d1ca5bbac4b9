#pragma once
// Hands ITK images to VTK without ITKVtkGlue (Debian's ITK has none). vtkImageData holds only the
// grid (origin 0, ITK's spacing); the rest of ITK's index-to-physical map (direction and origin)
// becomes a 4x4 matrix, so VTK's world coordinates are LPS millimetres like ITK's.
#include <vtkMatrix4x4.h>
#include <vtkSmartPointer.h>

#include "medpipe/core/image.h"

class vtkImageData;

namespace medpipe {

// Shares the float buffer (no copy): `image` must outlive the result.
vtkSmartPointer<vtkImageData> wrapAsVtkImage(const ImageF& image);

// Copies the labels with a border of one zero voxel on every side, so every label surface closes
// even where a structure touches the edge of the grid. The padded grid's VTK origin is -spacing,
// so indexToLps() of the unpadded image still applies.
vtkSmartPointer<vtkImageData> paddedLabelImage(const LabelImage& labels);

// [direction | origin]: maps VTK's (index x spacing) coordinates to LPS physical points.
vtkSmartPointer<vtkMatrix4x4> indexToLps(const itk::ImageBase<3>& image);

}  // namespace medpipe
