#pragma once
// Grid helpers shared by stages: neighbourhood radii given in mm, the grid of a resampled image,
// and checking that a mask lies on its image's voxel grid (ITK's own check says it in terms a user
// cannot act on).
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/core/image.h"

namespace medpipe {

// Whole voxels per axis covering `mm`, at least 1, so anisotropic voxels get a neighbourhood even in space;
// 0 along an axis of one voxel (a radiograph's z): the neighbourhood stays inside the slice.
inline ImageF::SizeType radiusInVoxels(const itk::ImageBase<Dimension>& image, double mm) {
  ImageF::SizeType radius;
  const auto size = image.GetLargestPossibleRegion().GetSize();
  for (unsigned d = 0; d < Dimension; ++d)
    radius[d] = size[d] <= 1 ? 0
                             : std::max<itk::SizeValueType>(
                                   1, static_cast<itk::SizeValueType>(std::lround(mm / image.GetSpacing()[d])));
  return radius;
}

// The grid with `spacing` covering the same box as `image` (voxel edges, not centres, stay put), so
// resampling neither shifts the volume by half a voxel nor grows or shrinks it beyond half a new voxel.
struct ResampledGrid {
  ImageF::SizeType size;
  ImageF::SpacingType spacing;
  ImageF::PointType origin;
  ImageF::DirectionType direction;
};

inline ResampledGrid resampledGrid(const itk::ImageBase<Dimension>& image, const ImageF::SpacingType& spacing) {
  ResampledGrid grid{{}, spacing, image.GetOrigin(), image.GetDirection()};
  const auto& oldSpacing = image.GetSpacing();
  const auto oldSize = image.GetLargestPossibleRegion().GetSize();
  for (unsigned d = 0; d < Dimension; ++d) {
    // An axis of one voxel (a radiograph, one CT slice) has no extent to resample: it keeps its
    // spacing and its one voxel, rather than becoming copies of the slice.
    if (oldSize[d] <= 1) grid.spacing[d] = oldSpacing[d];
    grid.size[d] = std::max<itk::SizeValueType>(
        1, static_cast<itk::SizeValueType>(std::lround(oldSize[d] * oldSpacing[d] / grid.spacing[d])));
  }
  // First voxel edge = origin - direction * spacing / 2, for the old grid and the new one alike.
  for (unsigned r = 0; r < Dimension; ++r)
    for (unsigned c = 0; c < Dimension; ++c)
      grid.origin[r] += image.GetDirection()(r, c) * (grid.spacing[c] - oldSpacing[c]) / 2;
  return grid;
}

inline std::string formatSize(const itk::Size<Dimension>& size) {
  std::ostringstream text;
  text << size[0] << "x" << size[1] << "x" << size[2];
  return text.str();
}

// Throws naming `stage` and `input` unless `other` has the size, spacing, origin and direction of `image`.
inline void requireSameGrid(const itk::ImageBase<Dimension>& image, const itk::ImageBase<Dimension>& other,
                            const std::string& stage, const std::string& input) {
  const auto size = image.GetLargestPossibleRegion().GetSize(), otherSize = other.GetLargestPossibleRegion().GetSize();
  if (size != otherSize)
    throw Error("", stage,
                "input '" + input + "' is " + formatSize(otherSize) + " voxels, the image " + formatSize(size));
  // Tolerance as ITK's own same-space check: a small fraction of a voxel.
  const double tolerance = 1e-4 * *std::min_element(image.GetSpacing().Begin(), image.GetSpacing().End());
  bool same = true;
  for (unsigned r = 0; r < Dimension; ++r) {
    same = same && std::abs(image.GetSpacing()[r] - other.GetSpacing()[r]) <= tolerance &&
           std::abs(image.GetOrigin()[r] - other.GetOrigin()[r]) <= tolerance;
    for (unsigned c = 0; c < Dimension; ++c)
      same = same && std::abs(image.GetDirection()(r, c) - other.GetDirection()(r, c)) <= 1e-6;
  }
  if (!same)
    throw Error("", stage,
                "input '" + input + "' is not on the image's voxel grid (spacing, origin or direction differ)");
}

}  // namespace medpipe
