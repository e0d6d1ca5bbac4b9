#pragma once
// Where each pixel of a slice montage lies in the patient: three square panels side by side
// (axial, coronal, sagittal) sharing one scale, in radiological convention:
//   axial     viewed from the feet: patient's left on the viewer's right, anterior up;
//   coronal   viewed from the front: patient's left on the viewer's right, superior up;
//   sagittal  viewed from the patient's left: anterior on the viewer's left, superior up.
#include <array>

#include "medpipe/core/image.h"

namespace medpipe {

enum class SlicePlane { Axial = 0, Coronal = 1, Sagittal = 2 };

using PointLps = std::array<double, 3>;  // mm in ITK's LPS physical space (+x left, +y posterior, +z head)

struct MontageGeometry {
  unsigned panelSize = 256;  // pixels per side of each square panel
  double pixelSpacing = 1;   // mm per pixel, the same in every panel
  PointLps viewCentre{};     // the point at the centre of every panel (the image's bounding-box centre)
  PointLps slicePoint{};     // where the three slices cross

  unsigned width() const { return 3 * panelSize; }
  unsigned height() const { return panelSize; }
  // (u, v): continuous coordinates within a panel, (0, 0) its top-left corner, pixel (c, r)
  // covering [c, c+1) x [r, r+1). The point lies in that panel's slice.
  PointLps physicalPoint(SlicePlane plane, double u, double v) const;
  // The inverse, projected onto the panel's plane, in whole-montage coordinates (panel offset
  // added): floor() of each gives the pixel column and row.
  std::array<double, 2> montagePosition(SlicePlane plane, const PointLps& point) const;
};

// Panels cover the image's physical bounding box (voxel edges) along its largest extent, so a
// whole volume fits and all three panels share one scale.
MontageGeometry montageGeometryFor(const ImageF& image, const PointLps& slicePoint, unsigned panelSize);

// The physical centre of the image's bounding box.
PointLps imageCentre(const ImageF& image);

}  // namespace medpipe
