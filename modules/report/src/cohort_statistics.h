#pragma once
// Cohort statistics of one metric across units: robust z-scores for outlier
// flags and percentiles.
#include <cstddef>
#include <vector>

namespace medpipe::report {

struct CohortMetric {
  std::vector<double> values;  // NaN where a unit lacks the metric
  std::vector<double> sorted;  // the finite values, ascending (percentiles in log n)
  double median = 0, mad = 0, q1 = 0, q3 = 0, low = 0,
         high = 0;                   // low/high: whiskers (1.5 IQR)
  double meanAbsoluteDeviation = 0;  // from the median
  size_t count = 0;
};

CohortMetric describeMetric(std::vector<double> values);

// Iglewicz and Hoaglin's modified z-score 0.6745 (x - median) / MAD; 0 when MAD
// is 0 or x is NaN.
double robustZ(const CohortMetric& metric, double value);
constexpr double kOutlierZ = 3.5;

// Percent of the cohort's values at or below `value` (NaN for NaN).
double cohortPercentile(const CohortMetric& metric, double value);

}  // namespace medpipe::report
