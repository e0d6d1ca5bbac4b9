// medpipe cohort SUBCOMMAND: one database for a whole batch (build) and mining it (outliers, cluster, train, predict).
#include <iostream>

#include "cli_support.h"
#include "cohort_commands.h"

namespace medpipe::cli {
namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
};

const Subcommand kSubcommands[] = {
    {"build", "gather every unit of a batch output folder into OUT/cohort.sqlite and OUT/cohort.csv", runCohortBuild},
    {"outliers", "flag units whose measurements lie outside the cohort (robust z, Tukey, robust Mahalanobis)", runCohortOutliers},
    {"cluster", "k-means clusters of the units on standardised columns (k given or chosen by silhouette)", runCohortCluster},
    {"train", "an outcome model (XGBoost) with cross-validation grouped by study and feature importances", runCohortTrain},
    {"predict", "predict the outcome of every unit with a model from train", runCohortPredict},
    {"run", "the cohort: section of a config (outliers, cluster, train, predict with their options)", runCohortConfig},
};

void printUsage(std::ostream& out) {
  out << "Usage: medpipe cohort SUBCOMMAND [options]   (medpipe cohort SUBCOMMAND --help for details)\n\nSubcommands:\n";
  for (const auto& s : kSubcommands) out << "  " << s.name << std::string(10 - std::string(s.name).size(), ' ') << s.summary << "\n";
  out << "\nThe database's schema and example queries: docs/cohort.md\n";
}

}  // namespace

int runCohort(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    printUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kUsage : kSuccess;
  }
  for (const auto& s : kSubcommands)
    if (args[0] == s.name) return s.run(Args(args.begin() + 1, args.end()));
  std::cerr << "medpipe cohort: error: unknown subcommand '" << args[0] << "' (build, outliers, cluster, train, predict, run; see medpipe cohort --help)\n";
  return kUsage;
}

}  // namespace medpipe::cli
