#pragma once
// Where each pixel of a slice montage lies in the patient: three square panels side by side
// (axial, coronal, sagittal) sharing one scale, in radiological convention:
//   axial     viewed from the feet: patient's left on the viewer's right, anterior up;
//   coronal   viewed from the front: patient's left on the viewer's right, superior up;
//   sagittal  viewed from the patient's left: anterior on the viewer's left, superior up.
// A one-slice image (a radiograph, a single MR or CT slice) is one panel of that slice as stored:
// its first axis to the viewer's right, its second down, as DICOM viewers show it (three planes
// through one slice would show it once and two lines).
#include <array>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

enum class SlicePlane { Axial = 0, Coronal = 1, Sagittal = 2, Image = 3 };

using PointLps = std::array<double, 3>;  // mm in ITK's LPS physical space (+x left, +y posterior, +z head)

struct MontageGeometry {
  unsigned panelSize = 256;  // pixels per side of each square panel
  double pixelSpacing = 1;   // mm per pixel, the same in every panel
  PointLps viewCentre{};     // the point at the centre of every panel (the image's bounding-box centre)
  PointLps slicePoint{};     // where the three slices cross
  // One panel (SlicePlane::Image) for a one-slice image; its axes: the image's in-plane axes (LPS).
  unsigned panels = 3;
  PointLps rowAxis{1, 0, 0}, columnAxis{0, 1, 0};

  unsigned width() const { return panels * panelSize; }
  unsigned height() const { return panelSize; }
  // (u, v): continuous coordinates within a panel, (0, 0) its top-left corner, pixel (c, r)
  // covering [c, c+1) x [r, r+1). The point lies in that panel's slice.
  PointLps physicalPoint(SlicePlane plane, double u, double v) const;
  // The inverse, projected onto the panel's plane, in whole-montage coordinates (panel offset
  // added): floor() of each gives the pixel column and row.
  std::array<double, 2> montagePosition(SlicePlane plane, const PointLps& point) const;
};

// Panels cover the image's physical bounding box (voxel edges) along its largest extent, so a
// whole volume fits and all three panels share one scale. An image with an axis of one voxel gets
// the one Image panel covering its larger in-plane extent.
MontageGeometry montageGeometryFor(const ImageF& image, const PointLps& slicePoint, unsigned panelSize);

// True when some axis has one voxel: the montage is the one Image panel.
bool isOneSliceImage(const ImageF& image);

// The planes drawn for `geometry`: Axial, Coronal, Sagittal, or Image alone.
std::vector<SlicePlane> montagePlanes(const MontageGeometry& geometry);

// The physical centre of the image's bounding box.
PointLps imageCentre(const ImageF& image);

}  // namespace medpipe
