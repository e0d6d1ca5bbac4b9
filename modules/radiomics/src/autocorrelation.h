#pragma once
// Moran's I and Geary's C of the intensity-mask voxels, weights 1 / distance (IBSI 3.1.24-25).
#include "medpipe/core/progress.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

struct SpatialAutocorrelation {
  double moranI = 0, gearyC = 0;
};

// Throws medpipe::Error when the FFT buffers would pass kMaxAutocorrelationBytes, and
// Error("", "", "cancelled") once `progress` is cancelled (between two FFTs at the latest).
SpatialAutocorrelation spatialAutocorrelation(const RoiImage& roi, unsigned threads,
                                              const Progress& progress = Progress());
constexpr double kMaxAutocorrelationBytes = 2e9;
// The definition summed over all pairs, O(N^2): the reference the fast path is tested against.
SpatialAutocorrelation spatialAutocorrelationPairwise(const RoiImage& roi, unsigned threads);

}  // namespace medpipe::radiomics
