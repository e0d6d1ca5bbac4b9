// Intensity-based statistics (IBSI 3.3), intensity histogram (3.4) and intensity-volume histogram (3.5).
#include <algorithm>
#include <cmath>
#include <map>

#include "cancellable_sort.h"
#include "families.h"
#include "medpipe/core/error.h"

namespace medpipe::radiomics {

double percentile(const std::vector<double>& sorted, double fraction) {
  const double position = fraction * double(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(sorted.size() - 1, below + 1);
  return sorted[below] + (position - double(below)) * (sorted[above] - sorted[below]);
}

void addDistributionStatistics(const std::string& prefix, const std::vector<double>& sorted, const Progress& progress,
                               FeatureList& out) {
  const double n = double(sorted.size());
  const double* x = sorted.data();  // GCC reloads a vector's data pointer in every iteration of a block
  double mean = 0;
  forEachBlock(sorted.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) mean += x[i];
  });
  mean /= n;
  double m2 = 0, m3 = 0, m4 = 0, mad = 0;
  forEachBlock(sorted.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const double d = x[i] - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
      mad += std::abs(d);
    }
  });
  m2 /= n, m3 /= n, m4 /= n, mad /= n;
  const double median = percentile(sorted, 0.5);
  const double p10 = percentile(sorted, 0.1), p90 = percentile(sorted, 0.9);
  const double p25 = percentile(sorted, 0.25), p75 = percentile(sorted, 0.75);
  // Robust mean absolute deviation: the values between the 10th and 90th percentile only.
  double robustMean = 0, robustCount = 0;
  forEachBlock(sorted.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (x[i] >= p10 && x[i] <= p90) robustMean += x[i], ++robustCount;
  });
  robustMean /= robustCount;
  double rmad = 0, medad = 0;
  forEachBlock(sorted.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (x[i] >= p10 && x[i] <= p90) rmad += std::abs(x[i] - robustMean);
      medad += std::abs(x[i] - median);
    }
  });
  rmad /= robustCount;
  medad /= n;
  // Zero variance: skewness and kurtosis are 0 by the manual's convention.
  const double skew = m2 > 0 ? m3 / std::pow(m2, 1.5) : 0.0;
  const double kurt = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
  out.emplace_back(prefix + "mean", mean);
  out.emplace_back(prefix + "var", m2);
  out.emplace_back(prefix + "skew", skew);
  out.emplace_back(prefix + "kurt", kurt);
  out.emplace_back(prefix + "median", median);
  out.emplace_back(prefix + "min", sorted.front());
  out.emplace_back(prefix + "p10", p10);
  out.emplace_back(prefix + "p90", p90);
  out.emplace_back(prefix + "max", sorted.back());
  out.emplace_back(prefix + "iqr", p75 - p25);
  out.emplace_back(prefix + "range", sorted.back() - sorted.front());
  out.emplace_back(prefix + "mad", mad);
  out.emplace_back(prefix + "rmad", rmad);
  out.emplace_back(prefix + "medad", medad);
  out.emplace_back(prefix + "cov", std::sqrt(m2) / mean);
  out.emplace_back(prefix + "qcod", (p75 - p25) / (p75 + p25));
}

namespace {

// The intensities inside the intensity mask, in voxel order.
std::vector<double> regionIntensities(const RoiImage& roi, const Progress& progress) {
  std::vector<double> values;
  const double* intensity = roi.intensity.data();
  const std::uint8_t* inside = roi.intensityMask.data();
  forEachBlock(roi.intensity.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (inside[i]) values.push_back(intensity[i]);
  });
  return values;
}

}  // namespace

void addIntensityStatistics(const RoiImage& roi, const Progress& progress, FeatureList& out) {
  std::vector<double> values = regionIntensities(roi, progress);
  sortCancellable(values, progress);
  addDistributionStatistics("stat_", values, progress, out);
  double energy = 0;
  const double* x = values.data();
  forEachBlock(values.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) energy += x[i] * x[i];
  });
  out.emplace_back("stat_energy", energy * 1.0);
  out.emplace_back("stat_rms", std::sqrt(energy / double(values.size())));
}

void addIntensityHistogram(const DiscretisedImage& image, const Progress& progress, FeatureList& out) {
  std::vector<double> histogram(size_t(image.levels) + 1, 0.0);  // index = grey level
  const int* level = image.level.data();
  double* count = histogram.data();
  forEachBlock(image.level.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (level[i] > 0) count[level[i]] += 1;
  });
  // The levels sorted are the histogram read in order: no sort of every voxel.
  std::vector<double> values;
  for (size_t g = 1; g < histogram.size(); ++g) values.insert(values.end(), size_t(histogram[g]), double(g));
  addDistributionStatistics("ih_", values, progress, out);
  const double n = double(values.size());
  int mode = 1;
  double entropy = 0, uniformity = 0;
  for (int g = 1; g <= image.levels; ++g) {
    if (histogram[size_t(g)] > histogram[size_t(mode)]) mode = g;
    const double p = histogram[size_t(g)] / n;
    if (p > 0) entropy -= p * std::log2(p);
    uniformity += p * p;
  }
  out.emplace_back("ih_mode", mode);
  out.emplace_back("ih_entropy", entropy);
  out.emplace_back("ih_uniformity", uniformity);
  // Histogram gradient: central differences inside, one-sided at both ends.
  const int ng = image.levels;
  auto gradient = [&](int g) {
    if (ng == 1) return 0.0;
    if (g == 1) return histogram[2] - histogram[1];
    if (g == ng) return histogram[size_t(ng)] - histogram[size_t(ng - 1)];
    return (histogram[size_t(g + 1)] - histogram[size_t(g - 1)]) / 2.0;
  };
  int maxAt = 1, minAt = 1;
  for (int g = 2; g <= ng; ++g) {
    if (gradient(g) > gradient(maxAt)) maxAt = g;
    if (gradient(g) < gradient(minAt)) minAt = g;
  }
  out.emplace_back("ih_max_grad", gradient(maxAt));
  out.emplace_back("ih_max_grad_g", maxAt);
  out.emplace_back("ih_min_grad", gradient(minAt));
  out.emplace_back("ih_min_grad_g", minAt);
}

void addIntensityVolumeHistogram(const RoiImage& roi, const FeatureSettings& settings, const Progress& progress,
                                 FeatureList& out) {
  std::vector<double> values = regionIntensities(roi, progress);
  sortCancellable(values, progress);
  double* x = values.data();
  const double lo = values.front(), hi = values.back();
  // The discretised intensities X_d,gl of the voxels, and the levels i of the total range G the
  // histogram is evaluated at, in steps of `step` (IBSI 4.1.5's three cases).
  const double lower =
      !std::isnan(settings.ivhLowerBound) && settings.ivhLowerBound <= lo ? settings.ivhLowerBound : lo;
  const double upper =
      !std::isnan(settings.ivhUpperBound) && settings.ivhUpperBound >= hi ? settings.ivhUpperBound : hi;
  double step = 1.0;
  std::vector<double> levels;
  if (settings.ivhBinCount > 0) {
    // Arbitrary units: fixed bin number over the ROI's own range, X_d,gl = bin number, G = [1, N_g].
    const int count = settings.ivhBinCount;
    forEachBlock(values.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        x[i] = hi > lo ? std::min(std::floor(double(count) * (x[i] - lo) / (hi - lo)) + 1, double(count)) : 1.0;
    });
    for (int b = 1; b <= count; ++b) levels.push_back(b);
  } else if (settings.ivhBinWidth > 0) {
    // Continuous calibrated intensities: fixed bin size from the range's lower bound, X_d,gl =
    // bin centre, G = [lower + w/2, upper - w/2].
    step = settings.ivhBinWidth;
    const double bins = std::max(std::ceil((upper - lower) / step - 1e-9), std::floor((hi - lower) / step) + 1);
    if (bins > kMaxGreyLevels)
      throw Error("", "ivh-bin-width", "gives more than " + std::to_string(kMaxGreyLevels) + " bins");
    const int count = int(bins);
    forEachBlock(values.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        x[i] = lower + (std::min(std::floor((x[i] - lower) / step), double(count - 1)) + 0.5) * step;
    });
    for (int b = 0; b < count; ++b) levels.push_back(lower + (b + 0.5) * step);
  } else {
    // Discrete calibrated intensities (CT): as they are, G = the re-segmentation range.
    const double count = std::floor(upper - lower) + 1;
    if (count > kMaxGreyLevels)
      throw Error("", "ivh-bin-width",
                  "the intensity range spans more than " + std::to_string(kMaxGreyLevels) +
                      " steps of 1: set ivh-bin-width or ivh-bin-count");
    for (double x = lower; x <= upper + 1e-9; x += 1.0) levels.push_back(x);
  }
  const double iMin = levels.front(), iMax = levels.back();
  const double n = double(values.size());
  // Volume fraction nu(i): voxels with intensity >= i (values sorted, so a lower bound search).
  auto volumeFraction = [&](double i) {
    return double(values.end() - std::lower_bound(values.begin(), values.end(), i - 1e-9)) / n;
  };
  auto volumeAtIntensityFraction = [&](double fraction) {  // V_x: nu at the first i with gamma >= x
    for (double i : levels)
      if (iMax == iMin || (i - iMin) / (iMax - iMin) >= fraction - 1e-12) return volumeFraction(i);
    return 0.0;
  };
  auto intensityAtVolumeFraction = [&](double fraction) {  // I_x: the lowest i with nu(i) <= x
    for (double i : levels)
      if (volumeFraction(i) <= fraction + 1e-12) return i;
    return iMax + step;
  };
  const double v10 = volumeAtIntensityFraction(0.1), v90 = volumeAtIntensityFraction(0.9);
  const double i10 = intensityAtVolumeFraction(0.1), i90 = intensityAtVolumeFraction(0.9);
  out.emplace_back("ivh_v10", v10);
  out.emplace_back("ivh_v90", v90);
  out.emplace_back("ivh_i10", i10);
  out.emplace_back("ivh_i90", i90);
  out.emplace_back("ivh_diff_v10_v90", v10 - v90);
  out.emplace_back("ivh_diff_i10_i90", i10 - i90);
}

}  // namespace medpipe::radiomics
