#include "cohort_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace medpipe::report {
namespace {

// numpy's linear-interpolation quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double position = q * double(sorted.size() - 1);
  const size_t below = static_cast<size_t>(position);
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (sorted[below + 1] - sorted[below]) * (position - double(below));
}

}  // namespace

CohortMetric describeMetric(std::vector<double> values) {
  CohortMetric m;
  m.values = values;
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  std::sort(values.begin(), values.end());
  m.count = values.size();
  m.sorted = values;
  if (values.empty()) return m;
  m.median = quantile(values, 0.5), m.q1 = quantile(values, 0.25), m.q3 = quantile(values, 0.75);
  std::vector<double> deviations;
  for (double v : values) deviations.push_back(std::abs(v - m.median));
  std::sort(deviations.begin(), deviations.end());
  m.mad = quantile(deviations, 0.5);
  for (double d : deviations) m.meanAbsoluteDeviation += d / double(deviations.size());
  const double iqr = m.q3 - m.q1;
  m.low = *std::lower_bound(values.begin(), values.end(), m.q1 - 1.5 * iqr);
  m.high = *(std::upper_bound(values.begin(), values.end(), m.q3 + 1.5 * iqr) - 1);
  return m;
}

double robustZ(const CohortMetric& metric, double value) {
  if (!std::isfinite(value)) return 0;
  if (metric.mad > 0) return 0.6745 * (value - metric.median) / metric.mad;
  // Over half the cohort shares one value (a histogram mode, a count): the mean
  // absolute deviation still sees the rest (the fallback of IBM SPSS's modified
  // z).
  if (metric.meanAbsoluteDeviation > 0) return (value - metric.median) / (1.253314 * metric.meanAbsoluteDeviation);
  return 0;
}

double cohortPercentile(const CohortMetric& metric, double value) {
  if (!std::isfinite(value) || metric.count == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto atOrBelow = std::upper_bound(metric.sorted.begin(), metric.sorted.end(), value) - metric.sorted.begin();
  return 100.0 * double(atOrBelow) / double(metric.count);
}

}  // namespace medpipe::report
