// IBSI 2.7 intensity discretisation: fixed bin size (FBS) or fixed bin number (FBN).
#include <algorithm>
#include <cmath>

#include "families.h"
#include "medpipe/core/error.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

DiscretisedImage discretise(const RoiImage& roi, const DiscretisationSettings& settings, const Progress& progress) {
  DiscretisedImage out;
  out.grid = roi.grid;
  out.level.assign(roi.grid.count(), 0);
  const size_t n = roi.intensity.size();
  const double* intensity = roi.intensity.data();
  const std::uint8_t* inside = roi.intensityMask.data();
  int* level = out.level.data();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  forEachBlock(n, kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (inside[i]) {
        lo = std::min(lo, intensity[i]);
        hi = std::max(hi, intensity[i]);
      }
  });
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
    const double width = settings.binWidth;
    forEachBlock(n, kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (inside[i]) level[i] = static_cast<int>(std::floor((intensity[i] - lower) / width)) + 1;
    });
  } else {
    if (settings.binCount < 1 || settings.binCount > kMaxGreyLevels)
      throw Error("", "bin-count", "must be between 1 and " + std::to_string(kMaxGreyLevels));
    const int bins = settings.binCount;
    forEachBlock(n, kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (inside[i])
          level[i] =
              hi > lo ? std::min(bins, static_cast<int>(std::floor(bins * (intensity[i] - lo) / (hi - lo))) + 1) : 1;
    });
  }
  out.levels = *std::max_element(out.level.begin(), out.level.end());
  if (settings.method == Discretisation::BinCount) out.levels = settings.binCount;
  return out;
}

}  // namespace medpipe::radiomics
