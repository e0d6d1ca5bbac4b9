#pragma once
// The mining commands (outliers, cluster, train, predict) declared once: their
// options as ParameterSpec feed the CLI flags (`medpipe cohort outliers
// --z 3.5`), the `cohort:` section of a config (checked with file:line:column),
// docs/cohort.md's option tables and one runner for all.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "medpipe/filters/parameters.h"
#include "medpipe/pipeline/config_validation.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe::cohort {

struct MiningCommand {
  std::string name;
  std::string summary;  // one line, for --help and docs
  std::vector<ParameterSpec> options;
  bool available = true;  // train/predict need XGBoost
};

// outliers, cluster, train, predict: also the order in which a config's section
// runs them.
const std::vector<MiningCommand>& miningCommands();
const MiningCommand* findMiningCommand(const std::string& name);  // nullptr when unknown

// Option texts (CLI or config) parsed and checked against the declaration,
// defaults filled in. Throws medpipe::Error with the option as field and what
// is allowed as reason.
ParameterValues miningOptionValues(const MiningCommand& command, const std::map<std::string, std::string>& text);

// Every problem of a config's `cohort:` section at once: unknown command or
// option (with a did-you-mean), a bad value, a missing required option, a
// command this build cannot run.
std::vector<ConfigProblem> checkCohortTasks(const std::vector<CohortTaskConfig>& tasks);

struct MiningOutcome {
  std::string command;
  std::string headline;  // one line: what was found and the table written
  std::string details;   // further lines (the flags, the clusters, the
                         // importances), may be empty
  bool ok = true;        // false: predict refused units
};

// Runs one command on the database (cohort.sqlite or its folder) and writes its
// table there. Relative paths in the options (train's target and model,
// predict's model) are taken from `base`.
MiningOutcome runMiningCommand(const MiningCommand& command, const ParameterValues& values, const std::filesystem::path& database,
                               const std::filesystem::path& base = {});

// A config's section: checked first (throws the first problem), then run in
// miningCommands() order.
std::vector<MiningOutcome> runCohortTasks(const std::vector<CohortTaskConfig>& tasks, const std::filesystem::path& database,
                                          const std::filesystem::path& base);

// docs/cohort.md's options section, from the declarations (a test checks that
// the doc carries it).
std::string miningOptionsMarkdown();

}  // namespace medpipe::cohort
