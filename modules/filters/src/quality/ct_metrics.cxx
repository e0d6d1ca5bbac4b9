// CT quality metrics: air and soft tissue statistics, global noise level
// (Christianson et al., AJR 2015), water-equivalent diameter (AAPM report 220),
// clipping, truncation and metal.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "quality_metrics.h"
#include "quality_support.h"

namespace medpipe::quality {
namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Mode of the local standard deviations (sample SD over the (2r+1)^2 in-plane
// window, clipped at the slice edge) at the soft-tissue voxels: the centre of
// the fullest bin of width `binWidth` (ties: the lowest). Sums over the window
// come from per-slice summed-area tables.
double globalNoiseLevel(const float* hu, const std::vector<std::uint8_t>& soft, const Grid& g, long r, double binWidth,
                        const Progress& progress) {
  std::map<long, size_t> bins;
  std::vector<double> s1((g.nx + 1) * (g.ny + 1)), s2(s1.size());
  const size_t w = g.nx + 1;
  for (size_t z = 0; z < g.nz; ++z) {
    progress.throwIfCancelled();
    for (size_t y = 0; y < g.ny; ++y)
      for (size_t x = 0; x < g.nx; ++x) {
        const double v = hu[g.index(x, y, z)];
        s1[(y + 1) * w + x + 1] = v + s1[y * w + x + 1] + s1[(y + 1) * w + x] - s1[y * w + x];
        s2[(y + 1) * w + x + 1] = v * v + s2[y * w + x + 1] + s2[(y + 1) * w + x] - s2[y * w + x];
      }
    for (size_t y = 0; y < g.ny; ++y)
      for (size_t x = 0; x < g.nx; ++x) {
        if (!soft[g.index(x, y, z)]) continue;
        const size_t x0 = size_t(std::max<long>(0, long(x) - r)), x1 = std::min(g.nx, x + size_t(r) + 1);
        const size_t y0 = size_t(std::max<long>(0, long(y) - r)), y1 = std::min(g.ny, y + size_t(r) + 1);
        const double n = double((x1 - x0) * (y1 - y0));
        if (n < 2) continue;
        const double sum = s1[y1 * w + x1] - s1[y0 * w + x1] - s1[y1 * w + x0] + s1[y0 * w + x0];
        const double sumSq = s2[y1 * w + x1] - s2[y0 * w + x1] - s2[y1 * w + x0] + s2[y0 * w + x0];
        const double sd = std::sqrt(std::max(0.0, (sumSq - sum * sum / n) / (n - 1)));
        ++bins[static_cast<long>(std::floor(sd / binWidth))];
      }
  }
  if (bins.empty()) return kNaN;
  auto fullest = bins.begin();
  for (auto it = bins.begin(); it != bins.end(); ++it)
    if (it->second > fullest->second) fullest = it;
  return (double(fullest->first) + 0.5) * binWidth;
}

// Mean and SD₁ of the voxels where `inside(i)`, in two passes: no copy of a large CT's air.
template <typename Inside>
std::pair<double, double> meanAndSd(const float* hu, size_t voxels, const Progress& progress, Inside inside) {
  double sum = 0, squares = 0;
  size_t count = 0;
  forEachBlock(voxels, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (inside(i)) sum += hu[i], ++count;
  });
  if (count == 0) return {kNaN, kNaN};
  const double m = sum / double(count);
  forEachBlock(voxels, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (inside(i)) squares += (hu[i] - m) * (hu[i] - m);
  });
  return {m, count > 1 ? std::sqrt(squares / double(count - 1)) : kNaN};
}

}  // namespace

LabelTable ctMetrics(const ImageF& image, const LabelImage* labels, const CtOptions& options,
                     const Progress& progress) {
  const Grid g = gridOf(image);
  const float* hu = image.GetBufferPointer();
  std::vector<std::uint8_t> body;
  if (labels) {
    body.assign(labels->GetBufferPointer(), labels->GetBufferPointer() + g.voxels());
    for (auto& b : body) b = b != 0;
  } else {
    body = bodyMask(hu, g, options.bodyThreshold, progress);
  }

  std::vector<std::uint8_t> soft(g.voxels(), 0);
  size_t bodyVoxels = 0, metal = 0;
  const auto [lo, hi] = std::minmax_element(hu, hu + g.voxels());
  size_t atMin = 0, atMax = 0;
  forEachBlock(g.voxels(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const double v = hu[i];
      atMin += hu[i] == *lo;
      atMax += hu[i] == *hi;
      if (!body[i]) continue;
      ++bodyVoxels;
      metal += v > options.metalThreshold;
      soft[i] = v >= 0 && v <= 100;
    }
  });
  const auto [airMean, airSd] = meanAndSd(hu, g.voxels(), progress, [&](size_t i) { return !body[i]; });
  const auto [softMean, softSd] = meanAndSd(hu, g.voxels(), progress, [&](size_t i) { return soft[i] != 0; });

  // Per slice: water-equivalent diameter over the body, and whether the body
  // reaches the slice edge.
  std::vector<double> wed(g.nz, kNaN), truncated(g.nz, 0);
  double wedSum = 0;
  size_t wedSlices = 0, truncatedSlices = 0;
  for (size_t z = 0; z < g.nz; ++z) {
    progress.throwIfCancelled();
    double sum = 0;
    size_t n = 0;
    bool edge = false;
    for (size_t y = 0; y < g.ny; ++y)
      for (size_t x = 0; x < g.nx; ++x) {
        const size_t i = g.index(x, y, z);
        if (!body[i]) continue;
        sum += hu[i], ++n;
        edge = edge || x == 0 || y == 0 || x + 1 == g.nx || y + 1 == g.ny;
      }
    truncated[z] = edge;
    truncatedSlices += edge;
    if (n == 0) continue;
    const double area = double(n) * g.sx * g.sy;
    wed[z] = 2 * std::sqrt(std::max(0.0, sum / double(n) / 1000 + 1) * area / kPi);
    wedSum += wed[z], ++wedSlices;
  }

  LabelTable table;
  table.columns = {"slice",
                   "modality",
                   "body-voxels",
                   "air-mean",
                   "air-sd",
                   "soft-tissue-mean",
                   "soft-tissue-sd",
                   "noise-gnl",
                   "wed-mm",
                   "clipped-low-fraction",
                   "clipped-high-fraction",
                   "truncated",
                   "truncated-fraction",
                   "metal-fraction"};
  const double n = double(g.voxels());
  table.rows.push_back({-1, 1, double(bodyVoxels), airMean, airSd, softMean, softSd,
                        globalNoiseLevel(hu, soft, g, options.noiseWindowRadius, options.noiseBinWidth, progress),
                        wedSlices ? wedSum / double(wedSlices) : kNaN, double(atMin) / n, double(atMax) / n,
                        double(truncatedSlices), double(truncatedSlices) / double(g.nz),
                        bodyVoxels ? double(metal) / double(bodyVoxels) : kNaN});
  for (size_t z = 0; z < g.nz; ++z) {
    std::vector<double> row(table.columns.size(), kNaN);
    row[0] = double(z), row[1] = 1, row[8] = wed[z], row[11] = truncated[z];
    table.rows.push_back(row);
  }
  return table;
}

}  // namespace medpipe::quality
