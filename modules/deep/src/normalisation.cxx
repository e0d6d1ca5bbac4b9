// CT window scaling and nnU-Net's z-score with percentile clipping.
#include "medpipe/deep/normalisation.h"

#include <algorithm>
#include <cmath>

namespace medpipe::deep {
namespace {

// The p-th percentile (0..100) with linear interpolation between order statistics, as numpy's default.
double percentile(std::vector<float> values, double p) {
  if (values.empty()) return 0;
  const double rank = p / 100.0 * double(values.size() - 1);
  const size_t below = size_t(std::floor(rank));
  const size_t above = std::min(below + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + long(below), values.end());
  const double lo = values[below];
  const double hi = above == below ? lo : *std::min_element(values.begin() + long(below) + 1, values.end());
  return lo + (hi - lo) * (rank - double(below));
}

}  // namespace

void normalise(std::vector<float>& voxels, const Normalisation& n) {
  using Kind = Normalisation::Kind;
  if (n.kind == Kind::None) return;
  if (n.kind == Kind::CtWindow) {
    const double width = n.upper - n.lower;
    for (float& v : voxels) v = float((std::clamp(double(v), n.lower, n.upper) - n.lower) / width);
    return;
  }
  double low = n.clipLow, high = n.clipHigh;
  if (!n.clip) low = percentile(voxels, n.percentiles[0]), high = percentile(voxels, n.percentiles[1]);
  for (float& v : voxels) v = float(std::clamp(double(v), low, high));
  double mean = n.mean, std = n.std;
  if (!n.fixedStatistics) {
    double sum = 0, squares = 0;
    for (float v : voxels) sum += v, squares += double(v) * v;
    mean = voxels.empty() ? 0 : sum / double(voxels.size());
    std = voxels.empty() ? 1 : std::sqrt(std::max(0.0, squares / double(voxels.size()) - mean * mean));
  }
  const double scale = 1.0 / std::max(std, 1e-8);  // nnU-Net's floor on the deviation
  for (float& v : voxels) v = float((v - mean) * scale);
}

}  // namespace medpipe::deep
