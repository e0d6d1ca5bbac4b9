#pragma once
// The numbers of a cohort database as a matrix for mining: one row per finished unit and label,
// one column per measurement (step.feature) or numeric series fact.
#include <filesystem>
#include <string>
#include <vector>

namespace medpipe::cohort {

struct CohortMatrix {
  std::vector<std::string> units;  // row keys: unit and label
  std::vector<long long> labels;
  std::vector<std::string> columns;
  std::vector<std::vector<double>> values;  // [row][column]; NaN where missing
};

// `database` is a cohort.sqlite or the folder holding one. `patterns` select columns by glob
// ("tissue-stats.*", "spacing_?_mm"); empty: every measurement and numeric series fact. Rows: units
// with status 'ok' that have measurements. Throws medpipe::Error for a pattern matching nothing.
CohortMatrix loadCohortMatrix(const std::filesystem::path& database, const std::vector<std::string>& patterns);

// The rows of one label (a population of its own: spines, say, not spines and arm bones together).
CohortMatrix rowsWithLabel(const CohortMatrix& matrix, long long label);

// cohort.sqlite itself for a folder; the path unchanged otherwise. Throws when there is none.
std::filesystem::path cohortDatabasePath(const std::filesystem::path& databaseOrFolder);

// Median and quantiles (linear interpolation between order statistics) of the finite values.
double quantile(std::vector<double> values, double q);

}  // namespace medpipe::cohort
