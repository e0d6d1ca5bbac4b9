#pragma once
// ilastik's pixel-classification feature bank with scales in mm: per channel and scale, Gaussian
// smoothing, Laplacian of Gaussian, gradient magnitude, difference of Gaussians and the eigenvalues
// of the structure tensor and of the Hessian; optionally the voxel's position. Computed slab by slab
// (a few slices at a time) so memory stays bounded, and exactly the same values whatever the slabs.
#include <cstddef>
#include <string>
#include <vector>

#include "medpipe/core/progress.h"

namespace medpipe::ml {

// The feature kinds, in the order their columns appear for each channel and scale.
enum class FeatureKind { Gaussian, LaplacianOfGaussian, GradientMagnitude, DifferenceOfGaussians, StructureTensor, Hessian };
inline constexpr FeatureKind kFeatureKinds[] = {FeatureKind::Gaussian,          FeatureKind::LaplacianOfGaussian,
                                                FeatureKind::GradientMagnitude, FeatureKind::DifferenceOfGaussians,
                                                FeatureKind::StructureTensor,   FeatureKind::Hessian};
const char* toString(FeatureKind kind);  // "gaussian", "log", "gradient-magnitude", "dog", "structure-tensor", "hessian"
unsigned columnsOf(FeatureKind kind);    // 1, or 3 for the eigenvalue kinds

struct FeatureBank {
  std::vector<double> scalesMm{1.0, 2.0, 4.0};  // Gaussian sigma of each scale, in mm
  std::vector<FeatureKind> kinds{std::begin(kFeatureKinds), std::end(kFeatureKinds)};
  bool position = false;  // add x, y, z in mm from the first voxel (for anatomy at fixed places)
  unsigned channels = 1;

  size_t featureCount() const;
  std::vector<std::string> featureNames() const;  // "c1.gaussian.1mm", "c1.hessian-2.4mm", ..., "x-mm"
};

// The voxels features are computed on: channel c of voxel (x, y, z) is channel[c][(z*ny + y)*nx + x].
struct VolumeView {
  std::vector<const float*> channel;
  size_t size[3] = {0, 0, 0};
  double spacing[3] = {1, 1, 1};
  size_t sliceVoxels() const { return size[0] * size[1]; }
};

// Features of slices [z0, z1): out holds featureCount() blocks of (z1 - z0) * nx * ny floats
// (feature-major). Throws medpipe::Error("", "", "cancelled") within one slice of a cancel.
void computeSlabFeatures(const VolumeView& volume, const FeatureBank& bank, size_t z0, size_t z1, float* out,
                         const Progress& progress);

}  // namespace medpipe::ml
