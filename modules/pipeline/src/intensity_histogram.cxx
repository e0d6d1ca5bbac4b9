#include "intensity_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "medpipe/core/parallel.h"

namespace medpipe {
namespace {

// Three passes over a CT's 80 million voxels took about 0.5 s on one core before every stage:
// each pass runs on all worker threads, counts merged afterwards (the same counts as one loop).
template <typename Part, typename Work>
std::vector<Part> overParts(size_t n, Part initial, Work work) {
  const unsigned threads = std::max(1u, workerThreadCount());
  std::vector<Part> parts(threads, initial);
  forEachPart(threads, threads, [&](size_t first, size_t last) {
    for (size_t t = first; t < last; ++t) work(parts[t], n * t / threads, n * (t + 1) / threads);
  });
  return parts;
}

// How many voxels of [begin, end) fall in each of `slots` slots (slotOf(v), branch-free, so that a
// block of slots is computed in vector registers), counted in four interleaved copies: a run of one
// slot (a CT's air) then does not wait on the previous increment of the same counter, which made
// these passes ten times a pass's memory time.
template <typename SlotOf>
std::vector<long long> countSlots(const float* voxels, size_t begin, size_t end, size_t slots, SlotOf slotOf) {
  constexpr size_t kCopies = 4, kBlock = 4096;
  std::vector<long long> c(kCopies * slots, 0);
  std::int32_t slot[kBlock];
  for (size_t first = begin; first < end; first += kBlock) {
    const size_t n = std::min(kBlock, end - first);
    for (size_t i = 0; i < n; ++i) slot[i] = slotOf(voxels[first + i]);
    size_t i = 0;
    for (; i + kCopies <= n; i += kCopies)
      for (size_t k = 0; k < kCopies; ++k) ++c[k * slots + size_t(slot[i + k])];
    for (; i < n; ++i) ++c[size_t(slot[i])];
  }
  for (size_t k = 1; k < kCopies; ++k)
    for (size_t b = 0; b < slots; ++b) c[b] += c[k * slots + b];
  c.resize(slots);
  return c;
}

}  // namespace

IntensityHistogram intensityHistogram(const ImageF& image, unsigned bins) {
  const float* voxels = image.GetBufferPointer();
  const size_t n = image.GetBufferedRegion().GetNumberOfPixels();
  IntensityHistogram h;
  struct Range {
    float lo = INFINITY, hi = -INFINITY;
    long long finite = 0;
  };
  double lo = INFINITY, hi = -INFINITY;
  long long finite = 0;
  // In float over 8 independent lanes, without branches, so that it vectorises (it was a third
  // of the histogram's time): v - v is 0 exactly for a finite v, NaN for an infinity or a NaN.
  constexpr size_t kLanes = 8;
  constexpr size_t kChunk = kLanes << 20;  // a lane's count in float stays exact (below 2^24) within a chunk
  for (const Range& part : overParts(n, Range{}, [&](Range& r, size_t begin, size_t end) {
         float laneLo[kLanes], laneHi[kLanes];
         std::fill(laneLo, laneLo + kLanes, INFINITY);
         std::fill(laneHi, laneHi + kLanes, -INFINITY);
         size_t i = begin;
         while (i + kLanes <= end) {
           float laneFinite[kLanes] = {};
           const size_t chunkEnd = i + std::min(kChunk, (end - i) / kLanes * kLanes);
           for (; i < chunkEnd; i += kLanes)
             for (size_t l = 0; l < kLanes; ++l) {
               const float v = voxels[i + l];
               const bool isFinite = v - v == 0.0f;
               const float low = isFinite ? v : INFINITY, high = isFinite ? v : -INFINITY;
               laneLo[l] = low < laneLo[l] ? low : laneLo[l];
               laneHi[l] = high > laneHi[l] ? high : laneHi[l];
               laneFinite[l] += isFinite ? 1.0f : 0.0f;
             }
           for (size_t l = 0; l < kLanes; ++l) r.finite += static_cast<long long>(laneFinite[l]);
         }
         for (; i < end; ++i)
           if (std::isfinite(voxels[i]))
             r.lo = std::min(r.lo, voxels[i]), r.hi = std::max(r.hi, voxels[i]), ++r.finite;
         for (size_t l = 0; l < kLanes; ++l) r.lo = std::min(r.lo, laneLo[l]), r.hi = std::max(r.hi, laneHi[l]);
       }))
    lo = std::min(lo, double(part.lo)), hi = std::max(hi, double(part.hi)), finite += part.finite;
  if (finite > 0 && hi == lo) {  // one value: its sign of zero from the first voxel, as a loop in order gives it
    size_t first = 0;
    while (!std::isfinite(voxels[first])) ++first;
    lo = hi = voxels[first];
  }
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
  // Bins by a multiplication, not a division per voxel; the last slot takes infinities and NaN.
  const double fineWidth = (hi - lo) / kFine, finePerUnit = kFine / (hi - lo);
  for (const auto& part : overParts(n, std::vector<long long>(), [&](std::vector<long long>& f, size_t begin, size_t end) {
         // Non-finite voxels are binned as lo (an in-range value) and then sent to the last slot.
         f = countSlots(voxels, begin, end, kFine + 1, [&](float v) {
           const bool finite = v - v == 0.0f;
           const double x = ((finite ? double(v) : lo) - lo) * finePerUnit;
           const auto b = std::int32_t(std::min(double(kFine - 1), x));
           return finite ? b : std::int32_t(kFine);
         });
       }))
    for (size_t b = 0; b < kFine; ++b) fine[b] += part[b];
  const auto binAt = [&](double fraction) {
    long long seen = 0;
    for (size_t b = 0; b < kFine; ++b)
      if ((seen += fine[b]) >= fraction * double(finite)) return b;
    return kFine - 1;
  };
  h.lower = lo + double(binAt(0.005)) * fineWidth;
  h.upper = lo + double(binAt(0.995) + 1) * fineWidth;
  h.counts.assign(bins, 0);
  const double binsPerUnit = bins / (h.upper - h.lower);
  // Slots: the bins, then below, above, and infinities or NaN.
  const auto below = std::int32_t(bins), above = below + 1, notFinite = below + 2;
  for (const auto& part : overParts(n, std::vector<long long>(), [&](std::vector<long long>& c, size_t begin, size_t end) {
         c = countSlots(voxels, begin, end, bins + 3u, [&](float f) {
           const double v = f;
           const bool finite = f - f == 0.0f;
           const double inside = std::clamp(finite ? v : h.lower, h.lower, h.upper);
           const auto b = std::int32_t(std::min(double(bins - 1), (inside - h.lower) * binsPerUnit));
           return !finite ? notFinite : v < h.lower ? below : v > h.upper ? above : b;
         });
       })) {
    h.below += part[below], h.above += part[above];
    for (unsigned b = 0; b < bins; ++b) h.counts[b] += part[b];
  }
  return h;
}

}  // namespace medpipe
