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

// The units of one scanner model (or the whole batch: name empty).
struct PlotGroup {
  std::string name;  // escaped by the caller
  CohortMetric metric;
  std::vector<StripPoint> points;
};

// Past this many points a group's strip is a density (counts per column) and
// only its outliers stay dots, at most kMaxLinkedOutliers of them: a plot stays
// a few KB with 10,000 units.
constexpr size_t kMaxDots = 600, kMaxLinkedOutliers = 200;

// An <svg> element (no XML namespace needed inline in HTML), one row per group
// on a shared axis: box from Q1 to Q3 with the median and 1.5-IQR whiskers,
// every finite point as a linked dot, outliers red.
std::string stripBoxPlot(const std::string& title, const std::vector<PlotGroup>& groups);

// The intensity histogram of a unit's input: bars on a log scale, the range
// and the voxels outside it written under the axis.
std::string histogramPlot(double lower, double upper, const std::vector<long long>& counts, long long below,
                          long long above);

std::string formatNumber(double value);  // %.4g, "–" for NaN
std::string escapeHtml(const std::string& text);

}  // namespace medpipe::report
