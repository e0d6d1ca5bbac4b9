#pragma once
// Compares two images voxel by voxel in physical space, so grids that differ only in axis order
// or flips (dcm2niix's RAS rows vs ITK's LPS) still line up.
#include <cstdint>
#include <string>

#include "medpipe/core/image.h"

namespace medpipe::test {

struct PhysicalComparison {
  bool sameGrid = false;         // every voxel centre of `a` falls on a voxel centre of `b`
  std::string gridProblem;       // why not, when sameGrid is false
  double maxCornerDistance = 0;  // mm, between matching grid corners
  double maxValueDifference = 0;
  size_t voxelsCompared = 0;
};

// `tolerance` is the largest distance (mm) accepted between matching voxel centres.
PhysicalComparison compareInPhysicalSpace(const ImageF& a, const ImageF& b, double tolerance = 1e-3);

// Dice of label `labelA` of `a` with label `labelB` of `b`, two label maps on one grid (1 when
// neither has the label).
double labelDice(const LabelImage& a, const LabelImage& b, std::uint8_t labelA, std::uint8_t labelB);

// Label maps and images of the same geometry (size, spacing, origin, direction) within tolerance.
bool sameGeometry(const itk::ImageBase<3>& a, const itk::ImageBase<3>& b, double tolerance, std::string* why);

}  // namespace medpipe::test

namespace medpipe::test {

struct SampledComparison {
  size_t samples = 0;           // voxels of `reference` whose centre lies inside `image`
  double meanAbsDifference = 0;
  double correlation = 0;       // Pearson correlation of the paired values
};

// Samples `image` (trilinear) at every voxel centre of `reference` that falls inside it, at least
// `margin` voxels from its border, and compares the values. For grids that do not coincide.
SampledComparison compareBySampling(const ImageF& image, const ImageF& reference, int margin = 2);

}  // namespace medpipe::test
