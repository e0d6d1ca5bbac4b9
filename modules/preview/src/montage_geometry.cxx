#include "medpipe/preview/montage_geometry.h"

#include <algorithm>
#include <limits>

namespace medpipe {
namespace {

struct Box {
  PointLps low, high;
};

// The axis-aligned LPS box around the voxel edges (not centres): an oblique grid's box is larger
// than its extent along its own axes.
Box physicalBox(const ImageF& image) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto start = image.GetLargestPossibleRegion().GetIndex();
  Box box;
  box.low.fill(std::numeric_limits<double>::max());
  box.high.fill(std::numeric_limits<double>::lowest());
  for (unsigned corner = 0; corner < 8; ++corner) {
    itk::ContinuousIndex<double, 3> index;
    for (unsigned d = 0; d < 3; ++d)
      index[d] = static_cast<double>(start[d]) - 0.5 + ((corner >> d) & 1U) * static_cast<double>(size[d]);
    ImageF::PointType point;
    image.TransformContinuousIndexToPhysicalPoint(index, point);
    for (unsigned d = 0; d < 3; ++d) {
      box.low[d] = std::min(box.low[d], point[d]);
      box.high[d] = std::max(box.high[d], point[d]);
    }
  }
  return box;
}

}  // namespace

PointLps imageCentre(const ImageF& image) {
  const Box box = physicalBox(image);
  return {(box.low[0] + box.high[0]) / 2, (box.low[1] + box.high[1]) / 2, (box.low[2] + box.high[2]) / 2};
}

bool isOneSliceImage(const ImageF& image) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  return size[0] == 1 || size[1] == 1 || size[2] == 1;
}

std::vector<SlicePlane> montagePlanes(const MontageGeometry& geometry) {
  if (geometry.panels == 1) return {SlicePlane::Image};
  return {SlicePlane::Axial, SlicePlane::Coronal, SlicePlane::Sagittal};
}

MontageGeometry montageGeometryFor(const ImageF& image, const PointLps& slicePoint, unsigned panelSize) {
  if (isOneSliceImage(image)) {
    // The panel's axes are the image's first two axes longer than one voxel (x and y of a radiograph).
    const auto size = image.GetLargestPossibleRegion().GetSize();
    unsigned axes[2] = {0, 1}, found = 0;
    for (unsigned d = 0; d < 3 && found < 2; ++d)
      if (size[d] > 1) axes[found++] = d;
    if (found < 2) axes[0] = 0, axes[1] = 1;  // a row or a single voxel: as stored
    MontageGeometry geometry;
    geometry.panels = 1;
    geometry.panelSize = panelSize;
    double extent = 0;
    for (unsigned k = 0; k < 2; ++k) {
      const unsigned d = axes[k];
      extent = std::max(extent, static_cast<double>(size[d]) * image.GetSpacing()[d]);
      PointLps& axis = k == 0 ? geometry.rowAxis : geometry.columnAxis;
      for (unsigned r = 0; r < 3; ++r) axis[r] = image.GetDirection()(r, d);
    }
    geometry.pixelSpacing = extent / panelSize;
    geometry.viewCentre = imageCentre(image);
    geometry.slicePoint = geometry.viewCentre;
    return geometry;
  }
  const Box box = physicalBox(image);
  double extent = 0;
  for (unsigned d = 0; d < 3; ++d) extent = std::max(extent, box.high[d] - box.low[d]);
  MontageGeometry geometry;
  geometry.panelSize = panelSize;
  geometry.pixelSpacing = extent / panelSize;
  geometry.viewCentre = imageCentre(image);
  geometry.slicePoint = slicePoint;
  return geometry;
}

PointLps MontageGeometry::physicalPoint(SlicePlane plane, double u, double v) const {
  const double half = panelSize / 2.0;
  const double right = (u - half) * pixelSpacing;  // mm towards the viewer's right
  const double down = (v - half) * pixelSpacing;   // mm towards the viewer's bottom
  const PointLps& c = viewCentre;
  switch (plane) {
    case SlicePlane::Axial: return {c[0] + right, c[1] + down, slicePoint[2]};     // right = +x (left), down = +y (posterior)
    case SlicePlane::Coronal: return {c[0] + right, slicePoint[1], c[2] - down};   // down = -z (inferior)
    case SlicePlane::Sagittal: return {slicePoint[0], c[1] + right, c[2] - down};  // right = +y (posterior)
    case SlicePlane::Image:
      return {c[0] + right * rowAxis[0] + down * columnAxis[0], c[1] + right * rowAxis[1] + down * columnAxis[1],
              c[2] + right * rowAxis[2] + down * columnAxis[2]};
  }
  return c;
}

std::array<double, 2> MontageGeometry::montagePosition(SlicePlane plane, const PointLps& p) const {
  const double half = panelSize / 2.0;
  const PointLps& c = viewCentre;
  double right = 0, down = 0;
  switch (plane) {
    case SlicePlane::Axial: right = p[0] - c[0], down = p[1] - c[1]; break;
    case SlicePlane::Coronal: right = p[0] - c[0], down = c[2] - p[2]; break;
    case SlicePlane::Sagittal: right = p[1] - c[1], down = c[2] - p[2]; break;
    case SlicePlane::Image:
      for (unsigned d = 0; d < 3; ++d) right += (p[d] - c[d]) * rowAxis[d], down += (p[d] - c[d]) * columnAxis[d];
      break;
  }
  const double offset =
      plane == SlicePlane::Image ? 0.0 : static_cast<double>(static_cast<unsigned>(plane) * panelSize);
  return {offset + half + right / pixelSpacing, half + down / pixelSpacing};
}

}  // namespace medpipe
