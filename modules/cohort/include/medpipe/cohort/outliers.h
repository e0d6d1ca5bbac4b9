#pragma once
// Outlier screening of a cohort: per column robust z-scores (median/MAD) and Tukey's far-out
// fences; across columns a robust Mahalanobis distance (minimum covariance determinant).
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/cohort/cohort_matrix.h"

namespace medpipe::cohort {

struct OutlierOptions {
  double zLimit = 3.5;        // |robust z| above this is flagged (Iglewicz and Hoaglin)
  double tukeyK = 3.0;        // fences Q1 - k IQR, Q3 + k IQR (3: Tukey's "far out")
  double chi2Quantile = 0.999;  // robust Mahalanobis d^2 above this quantile (Hotelling T^2 cutoff) is flagged
  bool mahalanobis = true;    // false: per-column rules only
  unsigned seed = 1;          // the MCD's random starts (results are deterministic for a seed)
};

struct OutlierFlag {
  std::string unit;
  long long label = 0;
  std::string rule;    // "robust-z", "tukey", "mahalanobis"
  std::string column;  // the column, or "<p> columns" for mahalanobis
  double value = 0;    // the unit's value (mahalanobis: d^2)
  double low = 0, high = 0;  // the cohort's range under this rule
  double score = 0;          // z, distance beyond the fence in IQRs, or d^2 / cutoff
  std::string detail;        // one line for people: what fired and why
};

struct OutlierReport {
  size_t rows = 0;
  std::vector<std::string> columns;             // columns screened (constant ones left out)
  std::vector<std::string> mahalanobisColumns;  // empty when there were too few rows
  std::string note;                             // why mahalanobis was skipped, if it was
  std::vector<OutlierFlag> flags;
};

OutlierReport findOutliers(const CohortMatrix& matrix, const OutlierOptions& options = {});

// Replaces the table `outliers` of the database with the report's flags.
void writeOutliers(const std::filesystem::path& database, const OutlierReport& report);

// Quantiles of the chi-square distribution (k degrees of freedom) and of the F distribution.
double chiSquareQuantile(double k, double q);
double fQuantile(double q, double d1, double d2);

}  // namespace medpipe::cohort
