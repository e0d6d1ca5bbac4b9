// ITK 5.2's itkConfidenceConnectedImageFilter.hxx on plain buffers (see confidence_connected_region.h).
// Each pass of ITK's filter floods twice: once to grow the region, once more (through the grown
// region, from the same seeds) to sum its intensities. Both floods visit the region in the same
// order, so here one flood grows the region and sums it as it goes: the same sums, in half the work.
#include "confidence_connected_region.h"

#include <itkImageNeighborhoodOffsets.h>
#include <itkMath.h>
#include <itkShapedImageNeighborhoodRange.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>

namespace medpipe {
namespace {

constexpr std::uint8_t kGrown = 1;     // ITK's replace value
constexpr std::uint8_t kRejected = 2;  // tested and outside the window: ITK's flood keeps this in an image of its own
constexpr size_t kVisitsPerCancelCheck = size_t(1) << 16;

struct Estimate {
  double mean = 0;
  double variance = 0;
};

// The intensities of a grown region, summed in the order ITK visits them.
struct RegionSums {
  double sum = 0;
  double sumOfSquares = 0;
  itk::SizeValueType count = 0;
  Estimate estimate() const {
    return {sum / double(count), (sumOfSquares - (sum * sum / double(count))) / (double(count) - 1.0)};
  }
};

// ITK's first estimate: over the (2r+1)^3 box around each seed, the edge voxel repeated beyond the
// image (ITK's zero-flux Neumann neighbourhood), the mean of the boxes' means; or over the seeds alone.
Estimate seedEstimate(const ImageF& image, const std::vector<ImageF::IndexType>& seeds, unsigned radius) {
  Estimate e;
  if (radius > 0) {
    const auto offsets = itk::GenerateRectangularImageNeighborhoodOffsets(ImageF::SizeType::Filled(radius));
    auto box = itk::ShapedImageNeighborhoodRange<const ImageF>(image, ImageF::IndexType(), offsets);
    double sumOfSquares = 0;
    for (const auto& seed : seeds) {
      box.SetLocation(seed);
      double boxSum = 0, boxSumOfSquares = 0;
      for (const float pixel : box) {
        const auto value = static_cast<double>(pixel);
        boxSum += value;
        boxSumOfSquares += value * value;
      }
      e.mean += boxSum / box.size();
      sumOfSquares += boxSumOfSquares;
    }
    const itk::SizeValueType num = seeds.size();
    const double totalNum = num * box.size();
    e.mean /= num;
    e.variance = (sumOfSquares - (e.mean * e.mean * totalNum)) / (totalNum - 1.0);
    return e;
  }
  RegionSums sums;
  for (const auto& seed : seeds) {
    const auto value = static_cast<double>(image.GetPixel(seed));
    sums.sum += value;
    sums.sumOfSquares += value * value;
    ++sums.count;
  }
  return sums.estimate();
}

struct Window {
  float lower, upper;
  bool holds(float v) const { return lower <= v && v <= upper; }
};

// ITK's window: mean ± multiplier × std, widened to hold every seed, within float's range, in float.
Window windowOf(const Estimate& e, double multiplier, double lowestSeed, double highestSeed) {
  double lower = e.mean - multiplier * std::sqrt(e.variance);
  double upper = e.mean + multiplier * std::sqrt(e.variance);
  if (lower > lowestSeed) lower = lowestSeed;
  if (upper < highestSeed) upper = highestSeed;
  if (lower < static_cast<double>(std::numeric_limits<float>::lowest()))
    lower = static_cast<double>(std::numeric_limits<float>::lowest());
  if (upper > static_cast<double>(std::numeric_limits<float>::max()))
    upper = static_cast<double>(std::numeric_limits<float>::max());
  return {static_cast<float>(lower), static_cast<float>(upper)};
}

struct Grid {
  size_t nx, ny, nz, slice;
};

// ITK's FloodFilledImageFunctionConditionalIterator: breadth first from the seeds in the window (a
// seed given twice is visited twice), trying the face neighbours x-1, x+1, y-1, y+1, z-1, z+1 in
// that order. Leaves the region kGrown in `marks` (every other voxel 0 or kRejected).
RegionSums flood(const float* voxels, const Grid& g, const std::vector<size_t>& seeds, const Window& window,
                 std::uint8_t* marks, const Progress& progress) {
  std::fill_n(marks, g.slice * g.nz, std::uint8_t(0));
  std::deque<size_t> queue;
  for (const size_t seed : seeds)
    if (window.holds(voxels[seed])) queue.push_back(seed), marks[seed] = kGrown;
  RegionSums sums;
  auto tryNeighbour = [&](size_t n) {
    if (marks[n] != 0) return;
    if (window.holds(voxels[n]))
      marks[n] = kGrown, queue.push_back(n);
    else
      marks[n] = kRejected;
  };
  while (!queue.empty()) {
    if (sums.count % kVisitsPerCancelCheck == 0) progress.throwIfCancelled();
    const size_t i = queue.front();
    const auto value = static_cast<double>(voxels[i]);
    sums.sum += value;
    sums.sumOfSquares += value * value;
    ++sums.count;
    const size_t z = i / g.slice, y = (i - z * g.slice) / g.nx, x = i - z * g.slice - y * g.nx;
    if (x > 0) tryNeighbour(i - 1);
    if (x + 1 < g.nx) tryNeighbour(i + 1);
    if (y > 0) tryNeighbour(i - g.nx);
    if (y + 1 < g.ny) tryNeighbour(i + g.nx);
    if (z > 0) tryNeighbour(i - g.slice);
    if (z + 1 < g.nz) tryNeighbour(i + g.slice);
    queue.pop_front();
  }
  return sums;
}

}  // namespace

LabelImage::Pointer confidenceConnectedRegion(const ImageF& image, const std::vector<ImageF::IndexType>& seeds,
                                              const ConfidenceConnectedSettings& settings, const Progress& progress) {
  const auto region = image.GetBufferedRegion();
  auto labels = LabelImage::New();
  labels->CopyInformation(&image);
  labels->SetRegions(region);
  labels->Allocate(true);
  if (seeds.empty()) return labels;  // as ITK: nothing grows

  const Grid g{region.GetSize(0), region.GetSize(1), region.GetSize(2), region.GetSize(0) * region.GetSize(1)};
  std::vector<size_t> seedOffsets;
  double lowestSeed = std::numeric_limits<float>::max(), highestSeed = std::numeric_limits<float>::lowest();
  for (const auto& seed : seeds) {
    const auto value = static_cast<double>(image.GetPixel(seed));
    lowestSeed = std::min(lowestSeed, value), highestSeed = std::max(highestSeed, value);
    const auto at = seed - region.GetIndex();
    seedOffsets.push_back(size_t(at[0]) + size_t(at[1]) * g.nx + size_t(at[2]) * g.slice);
  }

  const float* voxels = image.GetBufferPointer();
  std::uint8_t* marks = labels->GetBufferPointer();
  const Estimate first = seedEstimate(image, seeds, settings.initialRadius);
  RegionSums grown = flood(voxels, g, seedOffsets, windowOf(first, settings.multiplier, lowestSeed, highestSeed),
                           marks, progress);
  for (unsigned pass = 0; pass < settings.iterations; ++pass) {
    progress.report(double(pass + 1) / double(settings.iterations + 1), "region growing");
    const Estimate e = grown.estimate();
    if (itk::Math::AlmostEquals(e.variance, 0.0)) break;  // ITK stops here: a window of one value
    grown = flood(voxels, g, seedOffsets, windowOf(e, settings.multiplier, lowestSeed, highestSeed), marks, progress);
  }
  std::replace(marks, marks + g.slice * g.nz, kRejected, std::uint8_t(0));
  return labels;
}

}  // namespace medpipe
