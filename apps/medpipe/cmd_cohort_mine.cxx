// medpipe cohort outliers / cluster DB: mining a cohort database (tables written back into it).
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.h"
#include "cohort_commands.h"
#include "medpipe/cohort/clustering.h"
#include "medpipe/cohort/outliers.h"
#include "medpipe/core/error.h"

namespace medpipe::cli {
namespace {

// "--columns a,b --columns c" -> {a, b, c}
std::vector<std::string> columnPatterns(const std::vector<std::string>& options) {
  std::vector<std::string> patterns;
  for (const auto& option : options) {
    std::stringstream list(option);
    for (std::string p; std::getline(list, p, ',');)
      if (!p.empty()) patterns.push_back(p);
  }
  return patterns;
}

void addCommon(CommandLine& line, std::string& database, std::vector<std::string>& columns, unsigned& seed) {
  line.options.add_options()
      ("database", po::value(&database)->required(), "cohort.sqlite, or the batch output folder holding it")
      ("columns,c", po::value(&columns)->composing(),
       "columns to use: comma-separated globs over step.feature and series facts (\"tissue-stats.*,spacing_x_mm\"); "
       "default every measurement and numeric series fact")
      ("seed", po::value(&seed)->default_value(seed), "random seed (results are deterministic for a seed)");
  line.positional.add("database", 1);
}

}  // namespace

int runCohortOutliers(const Args& args) {
  CommandLine line;
  line.usage = "medpipe cohort outliers DB [--columns GLOB,...] [--z 3.5] [--tukey-k 3] [--quantile 0.999]";
  std::string database;
  std::vector<std::string> columns;
  cohort::OutlierOptions options;
  addCommon(line, database, columns, options.seed);
  line.options.add_options()
      ("z", po::value(&options.zLimit)->default_value(options.zLimit), "flag |robust z| (median/MAD) above this")
      ("tukey-k", po::value(&options.tukeyK)->default_value(options.tukeyK), "Tukey's fences at Q1 - k IQR, Q3 + k IQR")
      ("quantile", po::value(&options.chi2Quantile)->default_value(options.chi2Quantile),
       "flag robust Mahalanobis d^2 above this quantile of chi^2(columns)");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("cohort outliers", [&] {
    if (!(options.zLimit > 0) || !(options.tukeyK > 0)) throw Error("", "--z/--tukey-k", "must be positive");
    if (!(options.chi2Quantile > 0.5 && options.chi2Quantile < 1)) throw Error("", "--quantile", "must lie between 0.5 and 1");
    const auto matrix = cohort::loadCohortMatrix(database, columnPatterns(columns));
    const auto report = cohort::findOutliers(matrix, options);
    cohort::writeOutliers(database, report);
    std::map<std::pair<std::string, long long>, std::vector<const cohort::OutlierFlag*>> byRow;
    for (const auto& f : report.flags) byRow[{f.unit, f.label}].push_back(&f);
    std::cout << byRow.size() << " of " << report.rows << " unit/label row(s) flagged on " << report.columns.size()
              << " column(s)" << (report.note.empty() ? "" : "; " + report.note) << " (table `outliers`)\n";
    for (const auto& [row, flags] : byRow) {
      std::cout << row.first << " label " << row.second << ":\n";
      for (const auto* f : flags) std::cout << "  " << f->rule << ": " << f->detail << "\n";
    }
    return kSuccess;
  });
}

int runCohortCluster(const Args& args) {
  CommandLine line;
  line.usage = "medpipe cohort cluster DB --k N|auto [--columns GLOB,...] [--max-k 8] [--seed 1]";
  std::string database, k;
  std::vector<std::string> columns;
  long long label = -1;
  cohort::ClusterOptions options;
  addCommon(line, database, columns, options.seed);
  line.options.add_options()
      ("k,k", po::value(&k)->required(), "number of clusters, or auto (the k of 2..max-k with the best mean silhouette)")
      ("max-k", po::value(&options.maxK)->default_value(options.maxK), "largest k tried by --k auto")
      ("label", po::value(&label), "cluster the rows of this label (default: the lowest label in the cohort)");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("cohort cluster", [&] {
    if (k != "auto") {
      try {
        size_t end = 0;
        options.k = std::stoi(k, &end);
        if (end != k.size() || options.k < 2) throw std::invalid_argument(k);
      } catch (const std::exception&) {
        throw Error("", "--k", "'" + k + "' is neither a whole number of at least 2 nor auto");
      }
    }
    if (options.maxK < 2) throw Error("", "--max-k", "must be at least 2");
    const auto all = cohort::loadCohortMatrix(database, columnPatterns(columns));
    if (all.labels.empty()) throw Error(database, "", "no finished unit with measurements");
    if (!vm.count("label")) label = *std::min_element(all.labels.begin(), all.labels.end());
    const auto matrix = cohort::rowsWithLabel(all, label);
    if (matrix.units.empty()) throw Error(database, "--label", "no rows of label " + std::to_string(label));
    const auto result = cohort::clusterCohort(matrix, options);
    cohort::writeClusters(database, matrix, result);
    std::cout << "k = " << result.k << " on " << result.columns.size() << " standardised column(s), " << matrix.units.size()
              << " unit(s) of label " << label << "; mean silhouette " << std::fixed << std::setprecision(3) << result.silhouette
              << " (table `clusters`)\n";
    if (result.silhouetteByK.size() > 1) {
      std::cout << "silhouette by k:";
      for (const auto& [kk, s] : result.silhouetteByK) std::cout << " " << kk << ": " << s;
      std::cout << "\n";
    }
    for (int c = 0; c < result.k; ++c) std::cout << "cluster " << c << ": " << result.sizes[static_cast<size_t>(c)] << " row(s)\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
