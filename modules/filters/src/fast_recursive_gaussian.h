#pragma once
// ITK's recursive Gaussian (itk::RecursiveGaussianImageFilter, zero order: Deriche's coefficients
// and ITK's borders, in double) along each axis in turn, voxel for voxel, but run across many lines
// at once (the recursion over contiguous floats, in cache and vectorised) instead of ITK's strided
// line copies, on all threads. Private to the filters module.
#include <array>
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

// The image smoothed with sigma (mm) along the axes in `order` (axes of one voxel are skipped), as a
// chain of itk::RecursiveGaussianImageFilter in that order gives it. Throws Error("", stage, ...) for
// an axis of 2 or 3 voxels and on a cancel (checked per slice or row).
ImageF::Pointer fastRecursiveGaussian(const ImageF& image, double sigma, const std::array<unsigned, Dimension>& order,
                                      const Progress& progress, const std::string& stage);

}  // namespace medpipe
