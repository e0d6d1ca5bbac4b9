#pragma once
// Inline SVG drawn by medpipe: a strip plot with a box plot for one metric
// across the cohort.
#include <string>
#include <vector>

#include "cohort_statistics.h"

namespace medpipe::report {

struct StripPoint {
  double value;
  std::string href,
      label;  // the unit's page, its tooltip text (escaped by the caller)
  bool outlier;
};

// An <svg> element (no XML namespace needed inline in HTML): box from Q1 to Q3
// with the median and 1.5-IQR whiskers, every finite point as a linked dot,
// outliers red.
std::string stripBoxPlot(const std::string& title, const CohortMetric& metric, const std::vector<StripPoint>& points);

std::string formatNumber(double value);  // %.4g, "–" for NaN
std::string escapeHtml(const std::string& text);

}  // namespace medpipe::report
