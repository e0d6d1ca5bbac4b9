#include "quality_support.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace medpipe::quality {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sets `reached` for every voxel of slice z connected (4-neighbours) to the
// slice border through voxels of `dark`.
void floodFromBorder(const std::vector<std::uint8_t>& dark, const Grid& g, size_t z,
                     std::vector<std::uint8_t>& reached) {
  std::vector<size_t> stack;
  auto push = [&](size_t x, size_t y) {
    const size_t i = g.index(x, y, z);
    if (dark[i] && !reached[i]) reached[i] = 1, stack.push_back(i);
  };
  for (size_t x = 0; x < g.nx; ++x) push(x, 0), push(x, g.ny - 1);
  for (size_t y = 0; y < g.ny; ++y) push(0, y), push(g.nx - 1, y);
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    const size_t x = i % g.nx, y = (i / g.nx) % g.ny;
    if (x > 0) push(x - 1, y);
    if (x + 1 < g.nx) push(x + 1, y);
    if (y > 0) push(x, y - 1);
    if (y + 1 < g.ny) push(x, y + 1);
  }
}

// Keeps only the largest 6-connected component of `mask` (ties: the first found
// in buffer order).
void keepLargestComponent(std::vector<std::uint8_t>& mask, const Grid& g, const Progress& progress) {
  std::vector<std::uint32_t> component(mask.size(), 0);
  std::uint32_t next = 0, best = 0;
  size_t bestSize = 0;
  std::vector<size_t> stack;
  size_t visited = 0;  // one component can be the whole body: count its voxels too
  for (size_t seed = 0; seed < mask.size(); ++seed) {
    if (seed % kVoxelsPerCancelCheck == 0) progress.throwIfCancelled();
    if (!mask[seed] || component[seed]) continue;
    const std::uint32_t id = ++next;
    size_t size = 0;
    component[seed] = id;
    stack.push_back(seed);
    while (!stack.empty()) {
      if (++visited % kVoxelsPerCancelCheck == 0) progress.throwIfCancelled();
      const size_t i = stack.back();
      stack.pop_back();
      ++size;
      const size_t x = i % g.nx, y = (i / g.nx) % g.ny, z = i / (g.nx * g.ny);
      const std::array<std::pair<bool, size_t>, 6> neighbours{{{x > 0, i - 1},
                                                               {x + 1 < g.nx, i + 1},
                                                               {y > 0, i - g.nx},
                                                               {y + 1 < g.ny, i + g.nx},
                                                               {z > 0, i - g.nx * g.ny},
                                                               {z + 1 < g.nz, i + g.nx * g.ny}}};
      for (const auto& [inside, j] : neighbours)
        if (inside && mask[j] && !component[j]) component[j] = id, stack.push_back(j);
    }
    if (size > bestSize) bestSize = size, best = id;
  }
  forEachBlock(mask.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) mask[i] = component[i] == best && best != 0;
  });
}

}  // namespace

Grid gridOf(const itk::ImageBase<Dimension>& image) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const auto& spacing = image.GetSpacing();
  return {size[0], size[1], size[2], spacing[0], spacing[1], spacing[2]};
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return kNaN;
  const double position = p / 100.0 * double(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(below), values.end());
  const double low = values[below];
  if (below + 1 >= values.size()) return low;
  const double high = *std::min_element(values.begin() + static_cast<long>(below) + 1, values.end());
  return low + (high - low) * (position - double(below));
}

double median(const std::vector<double>& values) { return percentile(values, 50); }

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

double standardDeviation(const std::vector<double>& values, int ddof) {
  if (values.size() <= static_cast<size_t>(ddof)) return kNaN;
  const double m = mean(values);
  double sum = 0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / double(values.size() - static_cast<size_t>(ddof)));
}

double normalizedMad(const std::vector<double>& values) {
  const double centre = median(values);
  std::vector<double> deviations(values.size());
  for (size_t i = 0; i < values.size(); ++i) deviations[i] = std::abs(values[i] - centre);
  return median(deviations) / 0.6744897501960817;
}

double otsuThreshold(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const double minimum = *lo, width = (*hi - *lo) / 256.0;
  if (width <= 0) return minimum;
  std::array<double, 256> counts{};
  for (double v : values) counts[std::min<size_t>(255, static_cast<size_t>((v - minimum) / width))] += 1;
  double totalSum = 0;
  for (size_t b = 0; b < 256; ++b) totalSum += counts[b] * (double(b) + 0.5);
  const double total = double(values.size());
  double below = 0, belowSum = 0, bestVariance = -1;
  size_t bestBin = 0;
  for (size_t b = 0; b + 1 < 256; ++b) {
    below += counts[b];
    belowSum += counts[b] * (double(b) + 0.5);
    if (below == 0 || below == total) continue;
    const double meanBelow = belowSum / below, meanAbove = (totalSum - belowSum) / (total - below);
    const double variance = below * (total - below) * (meanBelow - meanAbove) * (meanBelow - meanAbove);
    if (variance > bestVariance) bestVariance = variance, bestBin = b;
  }
  return minimum + double(bestBin + 1) * width;
}

std::vector<std::uint8_t> bodyMask(const float* image, const Grid& g, double threshold, const Progress& progress) {
  std::vector<std::uint8_t> dark(g.voxels()), outside(g.voxels(), 0);
  forEachBlock(dark.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) dark[i] = image[i] < threshold;
  });
  for (size_t z = 0; z < g.nz; ++z) {
    progress.throwIfCancelled();
    floodFromBorder(dark, g, z, outside);
  }
  std::vector<std::uint8_t> body(g.voxels());
  forEachBlock(body.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) body[i] = !outside[i];
  });
  keepLargestComponent(body, g, progress);
  return body;
}

std::vector<std::uint8_t> kMeansClasses(const std::vector<double>& values, unsigned k, const Progress& progress) {
  std::vector<std::uint8_t> classes(values.size(), 0);
  if (values.empty() || k < 2) return classes;
  // Evenly spaced between the 1st and 99th percentile: a small class (CSF)
  // still gets a centre.
  const double low = percentile(values, 1), high = percentile(values, 99);
  std::vector<double> centres(k);
  for (unsigned c = 0; c < k; ++c) centres[c] = low + (high - low) * c / (k - 1);
  for (int iteration = 0; iteration < 200; ++iteration) {
    // Nearest centre; a value halfway between two goes to the lower one.
    bool changed = iteration == 0;
    forEachBlock(values.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        std::uint8_t best = 0;
        for (unsigned c = 1; c < k; ++c)
          if (std::abs(values[i] - centres[c]) < std::abs(values[i] - centres[best]))
            best = static_cast<std::uint8_t>(c);
        changed = changed || best != classes[i];
        classes[i] = best;
      }
    });
    if (!changed) break;
    std::vector<double> sums(k, 0), counts(k, 0);
    forEachBlock(values.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) sums[classes[i]] += values[i], counts[classes[i]] += 1;
    });
    for (unsigned c = 0; c < k; ++c)
      if (counts[c] > 0) centres[c] = sums[c] / counts[c];
  }
  return classes;  // centres stay ordered: they start ordered and 1-D Lloyd
                   // keeps the order
}

}  // namespace medpipe::quality
