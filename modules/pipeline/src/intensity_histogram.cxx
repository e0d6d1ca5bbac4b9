#include "intensity_histogram.h"

#include <algorithm>
#include <cmath>

namespace medpipe {

IntensityHistogram intensityHistogram(const ImageF& image, unsigned bins) {
  const float* voxels = image.GetBufferPointer();
  const size_t n = image.GetBufferedRegion().GetNumberOfPixels();
  IntensityHistogram h;
  double lo = INFINITY, hi = -INFINITY;
  long long finite = 0;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(voxels[i])) lo = std::min(lo, double(voxels[i])), hi = std::max(hi, double(voxels[i])), ++finite;
  if (finite == 0 || bins == 0) return h;
  if (hi == lo) {
    h.lower = lo, h.upper = hi;
    h.counts.assign(bins, 0);
    h.counts[0] = finite;
    return h;
  }
  // Percentiles from a fine histogram: exact to 1/4096 of the range, enough for
  // a picture.
  constexpr size_t kFine = 4096;
  std::vector<long long> fine(kFine, 0);
  const double fineWidth = (hi - lo) / kFine;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(voxels[i])) ++fine[std::min(kFine - 1, size_t((voxels[i] - lo) / fineWidth))];
  const auto binAt = [&](double fraction) {
    long long seen = 0;
    for (size_t b = 0; b < kFine; ++b)
      if ((seen += fine[b]) >= fraction * double(finite)) return b;
    return kFine - 1;
  };
  h.lower = lo + double(binAt(0.005)) * fineWidth;
  h.upper = lo + double(binAt(0.995) + 1) * fineWidth;
  h.counts.assign(bins, 0);
  const double width = (h.upper - h.lower) / bins;
  for (size_t i = 0; i < n; ++i) {
    const double v = voxels[i];
    if (!std::isfinite(v)) continue;
    if (v < h.lower)
      ++h.below;
    else if (v > h.upper)
      ++h.above;
    else
      ++h.counts[std::min<size_t>(bins - 1, size_t((v - h.lower) / width))];
  }
  return h;
}

}  // namespace medpipe
