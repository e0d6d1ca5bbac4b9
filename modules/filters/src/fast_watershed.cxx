// medpipe's own watershed (see fast_watershed.h): a quantised gradient magnitude, a bucket queue,
// and the floods of ITK's morphological watershed written on plain buffers.
#include "fast_watershed.h"

#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <functional>
#include <limits>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"
#include "fast_recursive_gaussian.h"
#include "stages/voxel_grid.h"

namespace medpipe {
namespace {

constexpr size_t kLevels = 65536;  // gradient levels: 2 bytes a voxel
constexpr size_t kCheckEvery = 1 << 18;  // voxels between two looks at the cancel flag

void parallelFor(size_t count, const std::function<void(size_t)>& work) {
  itk::MultiThreaderBase::New()->ParallelizeArray(
      0, count, [&](itk::SizeValueType i) { work(size_t(i)); }, nullptr);
}

struct Grid {
  long nx, ny, nz;
  size_t slice, voxels;
};

// The neighbours ITK's shaped neighbourhood iterators visit, in their order (z slowest, x fastest):
// the 6 face neighbours, or all 26.
struct Neighbourhood {
  std::vector<std::array<long, 3>> steps;
  std::vector<long> offsets;
  Neighbourhood(const Grid& g, bool fullyConnected) {
    for (long dz = -1; dz <= 1; ++dz)
      for (long dy = -1; dy <= 1; ++dy)
        for (long dx = -1; dx <= 1; ++dx) {
          const long nonzero = (dx != 0) + (dy != 0) + (dz != 0);
          if (nonzero == 0 || (!fullyConnected && nonzero > 1)) continue;
          steps.push_back({dx, dy, dz});
          offsets.push_back(dx + dy * g.nx + dz * long(g.slice));
        }
  }
};

// f(neighbour) for the neighbours [from, to) of voxel v (in the neighbourhood's order) inside the
// image; the first half of the neighbourhood comes before v in raster order, the second after.
template <typename F>
inline void forEachNeighbour(const Grid& g, const Neighbourhood& nb, size_t v, size_t from, size_t to, F&& f) {
  const long z = long(v / g.slice), r = long(v - size_t(z) * g.slice), y = r / g.nx, x = r - y * g.nx;
  if (x > 0 && x < g.nx - 1 && y > 0 && y < g.ny - 1 && z > 0 && z < g.nz - 1) {
    for (size_t k = from; k < to; ++k) f(size_t(long(v) + nb.offsets[k]));
    return;
  }
  for (size_t k = from; k < to; ++k) {
    const auto& s = nb.steps[k];
    const long xx = x + s[0], yy = y + s[1], zz = z + s[2];
    if (xx < 0 || yy < 0 || zz < 0 || xx >= g.nx || yy >= g.ny || zz >= g.nz) continue;
    f(size_t(long(v) + nb.offsets[k]));
  }
}

template <typename F>
inline void forEachNeighbour(const Grid& g, const Neighbourhood& nb, size_t v, F&& f) {
  forEachNeighbour(g, nb, v, 0, nb.offsets.size(), std::forward<F>(f));
}

// One FIFO per level; a flood pushes at or above the level it is processing, so the levels are
// visited once, in increasing order (ITK's std::map<value, std::queue> with O(1) steps).
class BucketQueue {
 public:
  BucketQueue() : buckets_(kLevels) {}
  void push(std::uint16_t level, std::uint32_t voxel) { buckets_[level].push_back(voxel); }
  // visit(level, voxel) for every voxel in queue order, pushes made during the visit included;
  // checks for a cancel and reports progress every kCheckEvery voxels.
  // prefetch(voxel) is called a few voxels ahead of visit: the flood jumps around the volume, and
  // the neighbours' cache lines are fetched while earlier voxels are processed.
  // near(voxel) is called a few voxels later, when those lines have arrived: to fetch what they point to.
  template <typename F, typename P, typename N>
  void drain(F&& visit, P&& prefetch, N&& near, size_t expected, const Progress& progress, const std::string& stage,
             double from, double to) {
    constexpr size_t kAhead = 12, kNear = 4;
    size_t done = 0;
    for (size_t level = 0; level < kLevels; ++level) {
      auto& bucket = buckets_[level];
      for (size_t k = 0; k < std::min(kAhead, bucket.size()); ++k) prefetch(bucket[k]);
      for (size_t k = 0; k < bucket.size(); ++k) {  // by index: visits append to the bucket
        if (k + kAhead < bucket.size()) prefetch(bucket[k + kAhead]);
        if (k + kNear < bucket.size()) near(bucket[k + kNear]);
        visit(std::uint16_t(level), bucket[k]);
        if (++done % kCheckEvery == 0) {
          if (progress.cancelled()) throw Error("", stage, "cancelled");
          progress.report(from + (to - from) * std::min(1.0, double(done) / double(expected)), stage);
        }
      }
      std::vector<std::uint32_t>().swap(bucket);
    }
  }

 private:
  std::vector<std::vector<std::uint32_t>> buckets_;
};

// Per-voxel data of a flood: the gradient levels and the labels (the output's buffer, or 32-bit
// basins), with prefetch(v) for both cache lines.
template <typename L>
struct SplitCells {
  std::uint16_t* levels;
  L* labels;
  std::uint16_t level(size_t v) const { return levels[v]; }
  void setLevel(size_t v, std::uint16_t level) const { levels[v] = level; }
  L label(size_t v) const { return labels[v]; }
  void setLabel(size_t v, L l) const { labels[v] = l; }
  void prefetch(size_t v) const { __builtin_prefetch(levels + v), __builtin_prefetch(labels + v); }
};

// prefetch(v) of the cells: v's row and the rows above and below it in y and z.
template <typename Cells>
auto neighbourPrefetch(const Cells& cells, const Grid& g, bool fullyConnected) {
  return [&cells, &g, fullyConnected](size_t v) {
    const size_t nx = size_t(g.nx), slice = g.slice, last = g.voxels - 1;
    cells.prefetch(v);
    if (v >= nx) cells.prefetch(v - nx);
    if (v + nx <= last) cells.prefetch(v + nx);
    if (v >= slice) cells.prefetch(v - slice);
    if (v + slice <= last) cells.prefetch(v + slice);
    if (!fullyConnected) return;
    if (v >= slice + nx) cells.prefetch(v - slice - nx);
    if (v >= slice) cells.prefetch(v - slice + nx);
    if (v + slice >= nx && v + slice - nx <= last) cells.prefetch(v + slice - nx);
    if (v + slice + nx <= last) cells.prefetch(v + slice + nx);
  };
}

// The gradient magnitude (HU/mm) of the Gaussian-smoothed image, by central differences (one-sided
// at the borders), mapped to kLevels levels as 65535 sqrt(g / max g): finest where most voxels are
// (soft tissue, noise). Writes each voxel's level with cells.setLevel; returns the HU/mm of each level.
template <typename Cells>
std::vector<double> quantisedGradient(const ImageF& image, const Grid& g, double sigma, Cells& cells,
                                      const Progress& progress, const std::string& stage) {
  const ImageF::Pointer smooth = fastRecursiveGaussian(image, sigma, {0, 1, 2}, progress, stage);
  const float* s = smooth->GetBufferPointer();
  const auto& spacing = image.GetSpacing();
  const long nx = g.nx, ny = g.ny, nz = g.nz, slice = long(g.slice);
  // The squared gradient of row (y, z) into sq[0, nx).
  const auto rowSquared = [&](long y, long z, float* sq) {
    const float* c = s + y * nx + z * slice;
    const float hx = float(1 / spacing[0]);
    if (nx == 1) {
      sq[0] = 0;
    } else {
      sq[0] = (c[1] - c[0]) * hx, sq[nx - 1] = (c[nx - 1] - c[nx - 2]) * hx;
      for (long x = 1; x < nx - 1; ++x) sq[x] = (c[x + 1] - c[x - 1]) * (hx / 2);
      for (long x = 0; x < nx; ++x) sq[x] *= sq[x];
    }
    const auto along = [&](long at, long n, long stride, double step) {
      if (n == 1) return;
      const float* lo = at > 0 ? c - stride : c;
      const float* hi = at < n - 1 ? c + stride : c;
      const float h = float(1 / (step * double((at > 0) + (at < n - 1))));
      for (long x = 0; x < nx; ++x) {
        const float d = (hi[x] - lo[x]) * h;
        sq[x] += d * d;
      }
    };
    along(y, ny, nx, spacing[1]);
    along(z, nz, slice, spacing[2]);
  };
  std::vector<float> sliceMax(size_t(nz), 0.0f);
  parallelFor(size_t(nz), [&](size_t z) {
    if (progress.cancelled()) return;
    std::vector<float> sq(static_cast<size_t>(nx));
    float m = 0;
    for (long y = 0; y < ny; ++y) {
      rowSquared(y, long(z), sq.data());
      for (long x = 0; x < nx; ++x) m = std::max(m, sq[x]);
    }
    sliceMax[z] = m;
  });
  if (progress.cancelled()) throw Error("", stage, "cancelled");
  const double top = std::sqrt(double(*std::max_element(sliceMax.begin(), sliceMax.end())));
  std::vector<double> value(kLevels);
  for (size_t k = 0; k < kLevels; ++k) value[k] = top * std::pow(double(k) / double(kLevels - 1), 2);
  const float scale = top > 0 ? float(1 / top) : 0.0f;
  parallelFor(size_t(nz), [&](size_t z) {
    if (progress.cancelled()) return;
    std::vector<float> sq(static_cast<size_t>(nx));
    for (long y = 0; y < ny; ++y) {
      rowSquared(y, long(z), sq.data());
      const size_t row = size_t(y * nx) + z * g.slice;
      for (long x = 0; x < nx; ++x)
        cells.setLevel(row + size_t(x),
                       std::uint16_t(float(kLevels - 1) * std::sqrt(std::sqrt(sq[x]) * scale) + 0.5f));
    }
  });
  if (progress.cancelled()) throw Error("", stage, "cancelled");
  progress.report(0.2, stage);
  return value;
}

using RegionCells = SplitCells<std::uint32_t>;

// ITK's MorphologicalWatershedFromMarkersImageFilter::GenerateData on cells whose labels hold the
// markers (0 = unknown) and become the regions; with `lines` the voxels where two regions' floods
// meet stay 0.
template <typename Cells>
void floodFromMarkers(Cells& cells, const Grid& g, const Neighbourhood& nb, bool fullyConnected, bool lines,
                      const Progress& progress, const std::string& stage) {
  using L = decltype(cells.label(0));
  BucketQueue queue;
  const auto prefetch = neighbourPrefetch(cells, g, fullyConnected);
  if (!lines) {
    for (size_t v = 0; v < g.voxels; ++v) {
      if (v % g.slice == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
      if (cells.label(v) == 0) continue;
      bool unknownNeighbour = false;
      forEachNeighbour(g, nb, v, [&](size_t n) { unknownNeighbour |= cells.label(n) == 0; });
      if (unknownNeighbour) queue.push(cells.level(v), std::uint32_t(v));
    }
    queue.drain(
        [&](std::uint16_t level, std::uint32_t v) {
          const L region = cells.label(v);
          forEachNeighbour(g, nb, v, [&](size_t n) {
            if (cells.label(n) != 0) return;
            cells.setLabel(n, region);
            queue.push(std::max(cells.level(n), level), std::uint32_t(n));
          });
        },
        prefetch, [](size_t) {}, g.voxels, progress, stage, 0.5, 0.95);
    return;
  }
  std::vector<std::uint8_t> queued(g.voxels, 0);  // ITK's status image
  for (size_t v = 0; v < g.voxels; ++v) {
    if (v % g.slice == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
    if (cells.label(v) == 0) continue;
    queued[v] = 1;
    forEachNeighbour(g, nb, v, [&](size_t n) {
      if (queued[n] || cells.label(n) != 0) return;
      queue.push(cells.level(n), std::uint32_t(n));
      queued[n] = 1;
    });
  }
  queue.drain(
      [&](std::uint16_t level, std::uint32_t v) {
        L region = 0;
        bool collision = false;
        forEachNeighbour(g, nb, v, [&](size_t n) {
          const L o = cells.label(n);
          if (o == 0 || collision) return;
          if (region != 0 && o != region) collision = true;
          else region = o;
        });
        if (collision) return;
        cells.setLabel(v, region);
        forEachNeighbour(g, nb, v, [&](size_t n) {
          if (queued[n]) return;
          queue.push(std::max(cells.level(n), level), std::uint32_t(n));
          queued[n] = 1;
        });
      },
      prefetch, [](size_t) {}, g.voxels, progress, stage, 0.5, 0.95);
}

// ITK's h-minima transform on levels: the reconstruction by erosion of the levels raised by
// `level` HU/mm over the levels (Vincent's hybrid algorithm: a raster scan each way, then a FIFO
// for what the scans left), written into `raised`: the labels' buffer, one level per 32-bit word,
// which regionalMinima then turns into labels in place (no third buffer at the peak).
void hMinima(const std::uint16_t* q, std::uint32_t* raised, const std::vector<double>& value, double level,
             const Grid& g, const Neighbourhood& nb, const Progress& progress, const std::string& stage) {
  std::vector<std::uint16_t> plus(kLevels);  // the lowest level at least `level` above each
  for (size_t k = 0, up = 0; k < kLevels; ++k) {
    while (up < kLevels - 1 && value[up] < value[k] + level) ++up;
    plus[k] = std::uint16_t(up);
  }
  parallelFor(size_t(g.nz), [&](size_t z) {
    for (size_t v = z * g.slice, end = v + g.slice; v < end; ++v) raised[v] = plus[q[v]];
  });
  // Neighbours before a voxel in raster order are the first half of the neighbourhood, after it the second.
  const size_t half = nb.offsets.size() / 2;
  const auto scan = [&](size_t v, size_t from, size_t to) {
    std::uint32_t r = raised[v];
    forEachNeighbour(g, nb, v, from, to, [&](size_t n) { r = std::min(r, raised[n]); });
    raised[v] = std::max<std::uint32_t>(q[v], r);
  };
  // Raster scans both ways, again while what they leave for the FIFO would take more than a
  // 32nd of the voxels (a 16th of a float volume for the FIFO's two waves).
  std::vector<std::uint32_t> front, next;  // voxels that may still lower a neighbour, wave by wave
  const size_t cap = g.voxels / 32 + 1;
  for (bool overflow = true; overflow;) {
    overflow = false;
    front.clear();
    for (size_t v = 0; v < g.voxels; ++v) {
      if (v % g.slice == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
      scan(v, 0, half);
    }
    for (size_t v = g.voxels; v-- > 0;) {
      if (v % g.slice == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
      scan(v, half, 2 * half);
      if (overflow) continue;
      bool pending = false;
      forEachNeighbour(g, nb, v, half, 2 * half,
                       [&](size_t n) { pending |= raised[n] > raised[v] && raised[n] > q[n]; });
      if (pending) front.push_back(std::uint32_t(v));
      overflow = front.size() > cap;
    }
  }
  size_t done = 0;
  while (!front.empty()) {  // any order reaches the same reconstruction
    for (const std::uint32_t v : front) {
      if (++done % kCheckEvery == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
      forEachNeighbour(g, nb, v, 0, 2 * half, [&](size_t n) {
        if (raised[n] <= raised[v] || raised[n] == q[n]) return;
        raised[n] = std::max<std::uint32_t>(raised[v], q[n]);
        next.push_back(std::uint32_t(n));
      });
    }
    front.swap(next);
    next.clear();
  }
}

// ITK's regional minima + connected components: each plateau of the values with no lower
// neighbour gets its own label, 1, 2, ... in raster order of its first voxel; every other voxel 0.
// Returns the number of labels + 1. A union-find of the plateaus in `label` itself (parent voxel,
// never after the voxel in raster order; bit 30 of a root: the plateau has a lower neighbour), so
// no memory beyond the labels whatever the plateaus' size. The values are `values`, or with
// kInPlace the labels' own words (hMinima's output): a word read as a value until it becomes a
// label, after that from `recent`, the values of the last voxels (more than a neighbour reaches back).
template <bool kInPlace>
size_t regionalMinimaOf(const std::uint16_t* values, std::uint32_t* label, const Grid& g, const Neighbourhood& nb,
                        const Progress& progress, const std::string& stage) {
  constexpr std::uint32_t kLower = 1u << 30, kIndex = kLower - 1, kFinal = 1u << 31;
  const size_t all = nb.offsets.size(), half = all / 2;
  size_t window = 1;  // a power of two, so a voxel's slot is a mask, not a division
  while (kInPlace && window < g.slice + size_t(g.nx) + 2) window *= 2;
  const size_t slot = window - 1;
  std::vector<std::uint16_t> recent(window);
  const auto find = [&](std::uint32_t v) {
    while ((label[v] & kIndex) != v) {
      const std::uint32_t up = label[v] & kIndex;
      label[v] = (label[v] & kLower) | (label[up] & kIndex);  // path halving
      v = up;
    }
    return v;
  };
  for (size_t v = 0; v < g.voxels; ++v) {
    if (v % g.slice == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
    // The neighbours [0, half) come before v in raster order, [half, all) after it.
    const auto before = [&](size_t n) -> std::uint32_t {
      if constexpr (kInPlace) return recent[n & slot];
      else return values[n];
    };
    const auto after = [&](size_t n) -> std::uint32_t {
      if constexpr (kInPlace) return label[n];
      else return values[n];
    };
    const std::uint32_t here = after(v);
    bool lower = false;
    forEachNeighbour(g, nb, v, 0, half, [&](size_t n) { lower |= before(n) < here; });
    forEachNeighbour(g, nb, v, half, all, [&](size_t n) { lower |= after(n) < here; });
    if constexpr (kInPlace) recent[v & slot] = std::uint16_t(here);
    label[v] = std::uint32_t(v) | (lower ? kLower : 0);
    forEachNeighbour(g, nb, v, 0, half, [&](size_t n) {  // the neighbours before v
      if (before(n) != here) return;
      std::uint32_t a = find(std::uint32_t(n)), b = find(std::uint32_t(v));
      if (a == b) return;
      if (a > b) std::swap(a, b);
      label[a] |= label[b] & kLower;  // b joins a, the earlier root
      label[b] = (label[b] & kLower) | a;
    });
  }
  // In raster order a voxel's parent is final before the voxel: roots number their plateau.
  std::uint32_t next = 1;
  for (size_t v = 0; v < g.voxels; ++v) {
    if (v % g.slice == 0 && progress.cancelled()) throw Error("", stage, "cancelled");
    const std::uint32_t parent = label[v] & kIndex;
    if (parent != v) label[v] = label[parent];
    else label[v] = (label[v] & kLower) ? kFinal : kFinal | next++;
  }
  parallelFor(size_t(g.nz), [&](size_t z) {
    for (size_t v = z * g.slice, end = v + g.slice; v < end; ++v) label[v] &= ~kFinal;
  });
  return next;
}

// regionalMinimaOf `values`, or of the values hMinima left in `label` where values is null.
size_t regionalMinima(const std::uint16_t* values, std::uint32_t* label, const Grid& g, const Neighbourhood& nb,
                      const Progress& progress, const std::string& stage) {
  return values ? regionalMinimaOf<false>(values, label, g, nb, progress, stage)
                : regionalMinimaOf<true>(nullptr, label, g, nb, progress, stage);
}

// 32-bit regions (0 = none) to uint8 by size, largest first (ties: the lower label, as ITK's
// relabelling); beyond 255 the smallest become 0.
LabelImage::Pointer bySize(const RegionCells& cells, size_t labels, const ImageF& image, const Grid& g,
                           const Progress& progress, const std::string& stage) {
  std::vector<std::uint64_t> count(labels, 0);
  for (size_t v = 0; v < g.voxels; ++v) ++count[cells.label(v)];
  if (progress.cancelled()) throw Error("", stage, "cancelled");
  std::vector<std::uint32_t> order;
  for (std::uint32_t r = 1; r < labels; ++r)
    if (count[r] > 0) order.push_back(r);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return count[a] != count[b] ? count[a] > count[b] : a < b;
  });
  std::vector<std::uint8_t> to(labels, 0);
  for (size_t k = 0; k < std::min<size_t>(order.size(), 255); ++k) to[order[k]] = std::uint8_t(k + 1);
  auto out = LabelImage::New();
  out->CopyInformation(&image);
  out->SetRegions(image.GetLargestPossibleRegion());
  allocateLarge(*out);
  std::uint8_t* o = out->GetBufferPointer();
  parallelFor(size_t(g.nz), [&](size_t z) {
    for (size_t v = z * g.slice, end = v + g.slice; v < end; ++v) o[v] = to[cells.label(v)];
  });
  return out;
}

}  // namespace

LabelImage::Pointer fastWatershed(const ImageF& image, const LabelImage* markers, const WatershedSettings& settings,
                                  const Progress& progress, const std::string& stage) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  Grid g{long(size[0]), long(size[1]), long(size[2]), size_t(size[0]) * size[1], 0};
  g.voxels = g.slice * size[2];
  if (g.voxels >= (size_t(1) << 30))
    throw Error("", stage, "at most 2^30 voxels with implementation: fast, got " + formatSize(size));
  const bool full = settings.fullyConnected;
  const Neighbourhood nb(g, full);

  if (markers) {
    auto out = LabelImage::New();
    out->CopyInformation(&image);
    out->SetRegions(image.GetLargestPossibleRegion());
    allocateLarge(*out);
    std::copy_n(markers->GetBufferPointer(), g.voxels, out->GetBufferPointer());
    std::unique_ptr<std::uint16_t[]> levels(new std::uint16_t[g.voxels]);
    adviseHugePages(levels.get(), g.voxels * sizeof(std::uint16_t));
    SplitCells<std::uint8_t> cells{levels.get(), out->GetBufferPointer()};
    quantisedGradient(image, g, settings.sigma, cells, progress, stage);
    floodFromMarkers(cells, g, nb, full, settings.watershedLines, progress, stage);
    return out;
  }

  std::unique_ptr<std::uint16_t[]> levels(new std::uint16_t[g.voxels]);
  adviseHugePages(levels.get(), g.voxels * sizeof(std::uint16_t));
  RegionCells cells{levels.get(), nullptr};
  const std::vector<double> value = quantisedGradient(image, g, settings.sigma, cells, progress, stage);
  // Allocated once the smoothed image is gone: the peak stays at the input and 1.5 volumes.
  std::unique_ptr<std::uint32_t[]> labels(new std::uint32_t[g.voxels]);
  adviseHugePages(labels.get(), g.voxels * sizeof(std::uint32_t));
  cells.labels = labels.get();
  size_t count = 0;
  if (settings.level > 0) {  // as ITK: the regional minima of the h-minima transform
    hMinima(levels.get(), cells.labels, value, settings.level, g, nb, progress, stage);
    count = regionalMinima(nullptr, cells.labels, g, nb, progress, stage);
  } else {
    // The pages first touched on every thread, not by the one-thread raster scan.
    parallelFor(size_t(g.nz), [&](size_t z) { std::fill_n(cells.labels + z * g.slice, g.slice, 0u); });
    count = regionalMinima(levels.get(), cells.labels, g, nb, progress, stage);
  }
  progress.report(0.5, stage);
  floodFromMarkers(cells, g, nb, full, settings.watershedLines, progress, stage);
  return bySize(cells, count, image, g, progress, stage);
}

}  // namespace medpipe
