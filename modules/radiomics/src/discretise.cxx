// IBSI 2.7 intensity discretisation: fixed bin size (FBS) or fixed bin number (FBN).
#include <algorithm>
#include <cmath>

#include "medpipe/core/error.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

DiscretisedImage discretise(const RoiImage& roi, const DiscretisationSettings& settings) {
  DiscretisedImage out;
  out.grid = roi.grid;
  out.level.assign(roi.grid.count(), 0);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (size_t i = 0; i < roi.intensity.size(); ++i)
    if (roi.intensityMask[i]) {
      lo = std::min(lo, roi.intensity[i]);
      hi = std::max(hi, roi.intensity[i]);
    }
  if (!(lo <= hi)) throw Error("", "region", "the intensity mask is empty: no voxel to compute features on");
  if (settings.method == Discretisation::BinWidth) {
    if (!(settings.binWidth > 0)) throw Error("", "bin-width", "must be positive");
    const double lower = std::isnan(settings.lowerBound) ? lo : settings.lowerBound;
    if (lo < lower) throw Error("", "bin-width", "the region has intensities below the lower bound of the range");
    const double levels = std::floor((hi - lower) / settings.binWidth) + 1;
    if (levels > kMaxGreyLevels)
      throw Error("", "bin-width",
                  "gives " + std::to_string(static_cast<long long>(levels)) + " grey levels, more than the limit of " +
                      std::to_string(kMaxGreyLevels) + ": use a wider bin");
    for (size_t i = 0; i < roi.intensity.size(); ++i)
      if (roi.intensityMask[i])
        out.level[i] = static_cast<int>(std::floor((roi.intensity[i] - lower) / settings.binWidth)) + 1;
  } else {
    if (settings.binCount < 1 || settings.binCount > kMaxGreyLevels)
      throw Error("", "bin-count", "must be between 1 and " + std::to_string(kMaxGreyLevels));
    const int n = settings.binCount;
    for (size_t i = 0; i < roi.intensity.size(); ++i)
      if (roi.intensityMask[i])
        out.level[i] =
            hi > lo ? std::min(n, static_cast<int>(std::floor(n * (roi.intensity[i] - lo) / (hi - lo))) + 1) : 1;
  }
  out.levels = *std::max_element(out.level.begin(), out.level.end());
  if (settings.method == Discretisation::BinCount) out.levels = settings.binCount;
  return out;
}

}  // namespace medpipe::radiomics
