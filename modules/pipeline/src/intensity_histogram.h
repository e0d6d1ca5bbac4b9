#pragma once
// The input volume's intensity histogram, recorded in provenance.json for the
// batch report.
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

struct IntensityHistogram {
  double lower = 0,
         upper = 0;               // the range the bins cover: the 0.5th to 99.5th percentile
  std::vector<long long> counts;  // equal-width bins over [lower, upper]
  long long below = 0,
            above = 0;  // voxels outside it (CT padding, bright metal)
};

// `bins` bins between the 0.5th and 99.5th percentile (from a 4096-bin pass
// over min..max), so padding at -3024 HU or a few bright voxels do not squeeze
// the body into one bin. NaNs are left out.
IntensityHistogram intensityHistogram(const ImageF& image, unsigned bins = 64);

}  // namespace medpipe
