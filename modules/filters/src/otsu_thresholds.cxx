// Otsu's thresholds on the histogram ITK's Otsu filters build (see otsu_thresholds.h): the same
// bounds and bins, counted on all threads, then ITK's calculators on it.
#include "medpipe/filters/otsu_thresholds.h"

#include <itkHistogram.h>
#include <itkOtsuMultipleThresholdsCalculator.h>
#include <itkOtsuMultipleThresholdsImageFilter.h>
#include <itkOtsuThresholdCalculator.h>
#include <itkOtsuThresholdImageFilter.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>
#include <vector>

#include "medpipe/core/error.h"
#include "voxel_passes.h"

namespace medpipe {
namespace {

using Histogram = itk::Statistics::Histogram<double>;

// ITK's two histogram builders put the upper bound a hundredth of a bin above the maximum, but
// ImageToHistogramFilter (otsu-threshold) subtracts the extremes in double, SampleToHistogramFilter
// (multi-otsu-threshold) in float.
enum class HistogramBuilder { ImageToHistogramFilter, SampleToHistogramFilter };

struct Extremes {
  float min = std::numeric_limits<float>::max();
  float max = std::numeric_limits<float>::lowest();
};

Extremes extremesOf(const float* voxels, size_t count, const Progress& progress) {
  Extremes all;
  std::mutex merge;
  forEachPart(count, workerThreadCount(), [&](size_t begin, size_t end) {
    Extremes part;
    forEachVoxel(begin, end, progress, [&](size_t i) {
      part.min = std::min(part.min, voxels[i]);
      part.max = std::max(part.max, voxels[i]);
    });
    std::lock_guard<std::mutex> lock(merge);
    all.min = std::min(all.min, part.min);
    all.max = std::max(all.max, part.max);
  });
  return all;
}

// An empty histogram with the bins `builder` gives an image whose voxels span `e`.
Histogram::Pointer emptyHistogram(HistogramBuilder builder, const Extremes& e, unsigned bins) {
  constexpr double kMarginalScale = 100;  // both builders' default
  const double range = builder == HistogramBuilder::ImageToHistogramFilter ? double(e.max) - double(e.min)
                                                                           : double(e.max - e.min);
  const double margin = (range / double(bins)) / kMarginalScale;
  auto histogram = Histogram::New();
  histogram->SetMeasurementVectorSize(1);
  Histogram::MeasurementVectorType lower(1), upper(1);
  lower[0] = e.min;
  upper[0] = e.max;
  if (std::numeric_limits<double>::max() - upper[0] > margin)
    upper[0] += margin;
  else
    histogram->SetClipBinsAtEnds(false);  // what both builders do where the margin would overflow
  Histogram::SizeType size(1);
  size.Fill(bins);
  histogram->Initialize(size, lower, upper);
  return histogram;
}

// The bin ITK's Histogram::GetIndex finds for a value (its binary search), by arithmetic: valid
// when the bins tile [first edge, last edge) without gaps, each wider than nothing. Values outside,
// and NaN, are left to GetIndex itself.
class BinFinder {
 public:
  explicit BinFinder(const Histogram& h) : histogram_(h), bins_(h.GetSize(0)), edges_(bins_ + 1) {
    for (size_t b = 0; b < bins_; ++b) edges_[b] = h.GetBinMin(0, b);
    edges_[bins_] = h.GetBinMax(0, bins_ - 1);
    for (size_t b = 0; b < bins_; ++b)
      tiled_ = tiled_ && edges_[b] < edges_[b + 1] && (b + 1 == bins_ || h.GetBinMax(0, b) == edges_[b + 1]);
    if (tiled_) scale_ = double(bins_) / (edges_[bins_] - edges_[0]);
  }

  // The bin of `value`, or bins() where ITK counts it in none.
  size_t binOf(float value) const {
    const double x = value;
    if (tiled_ && x >= edges_[0] && x < edges_[bins_]) {
      size_t b = std::min(bins_ - 1, size_t((x - edges_[0]) * scale_));
      while (x < edges_[b]) --b;
      while (x >= edges_[b + 1]) ++b;
      return b;
    }
    Histogram::MeasurementVectorType m(1);
    m[0] = x;
    Histogram::IndexType index(1);
    return histogram_.GetIndex(m, index) ? size_t(index[0]) : bins_;
  }

 private:
  const Histogram& histogram_;
  size_t bins_;
  std::vector<double> edges_;
  bool tiled_ = true;
  double scale_ = 0;
};

Histogram::Pointer histogramOf(const ImageF& image, HistogramBuilder builder, unsigned bins,
                               const Progress& progress) {
  const float* voxels = image.GetBufferPointer();
  const size_t count = image.GetBufferedRegion().GetNumberOfPixels();
  Histogram::Pointer histogram = emptyHistogram(builder, extremesOf(voxels, count, progress), bins);
  const BinFinder finder(*histogram);
  std::vector<std::uint64_t> frequencies(bins + 1, 0);  // the last counts what falls outside every bin
  std::mutex merge;
  forEachPart(count, workerThreadCount(), [&](size_t begin, size_t end) {
    std::vector<std::uint64_t> part(bins + 1, 0);
    forEachVoxel(begin, end, progress, [&](size_t i) { ++part[finder.binOf(voxels[i])]; });
    std::lock_guard<std::mutex> lock(merge);
    for (size_t b = 0; b <= bins; ++b) frequencies[b] += part[b];
  });
  for (size_t b = 0; b < bins; ++b) histogram->SetFrequency(b, frequencies[b]);
  return histogram;
}

}  // namespace

float otsuThreshold(const ImageF& image, unsigned bins, const Progress& progress) {
  const Histogram::Pointer histogram = histogramOf(image, HistogramBuilder::ImageToHistogramFilter, bins, progress);
  try {
    auto calculator = itk::OtsuThresholdCalculator<Histogram, float>::New();
    calculator->SetReturnBinMidpoint(itk::OtsuThresholdImageFilter<ImageF, LabelImage>::New()->GetReturnBinMidpoint());
    calculator->SetInput(histogram);
    calculator->Update();
    return calculator->GetThreshold();
  } catch (const itk::ExceptionObject& e) {
    throw Error("", "", e.GetDescription());
  }
}

std::vector<double> multiOtsuThresholds(const ImageF& image, unsigned count, unsigned bins, const Progress& progress) {
  using Filter = itk::OtsuMultipleThresholdsImageFilter<ImageF, LabelImage>;
  const Histogram::Pointer histogram = histogramOf(image, HistogramBuilder::SampleToHistogramFilter, bins, progress);
  try {
    const auto defaults = Filter::New();
    auto calculator = itk::OtsuMultipleThresholdsCalculator<Histogram>::New();
    calculator->SetInputHistogram(histogram);
    calculator->SetNumberOfThresholds(count);
    calculator->SetValleyEmphasis(defaults->GetValleyEmphasis());
    calculator->SetReturnBinMidpoint(defaults->GetReturnBinMidpoint());
    calculator->Compute();
    return calculator->GetOutput();
  } catch (const itk::ExceptionObject& e) {
    throw Error("", "", e.GetDescription());
  }
}

}  // namespace medpipe
