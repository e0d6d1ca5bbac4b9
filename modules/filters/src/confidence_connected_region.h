#pragma once
// Confidence-connected region growing as ITK 5.2's ConfidenceConnectedImageFilter does it, voxel
// for voxel (the same statistics summed in the same order, the same float window, the same flood),
// with a look at the cancel flag every 64 k voxels of a flood: ITK looks between its floods only,
// and sums each region's statistics in a second flood of its own (2-3 s on a CT).
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

struct ConfidenceConnectedSettings {
  double multiplier = 2.5;      // window half-width in standard deviations
  unsigned iterations = 4;      // re-estimations of the mean and variance from the grown region
  unsigned initialRadius = 1;   // half-size of the box around each seed for the first estimate (0: the seeds alone)
};

// The label map (1 grown, 0 not) of itk::ConfidenceConnectedImageFilter<ImageF, LabelImage> with these
// seeds (inside the image) and settings and a replace value of 1. Throws medpipe::Error("cancelled")
// once `progress` is cancelled.
LabelImage::Pointer confidenceConnectedRegion(const ImageF& image, const std::vector<ImageF::IndexType>& seeds,
                                              const ConfidenceConnectedSettings& settings, const Progress& progress);

}  // namespace medpipe
