#pragma once
// Options shared by `run` and `validate`: the config, --set overrides and --var variables.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.h"
#include "medpipe/pipeline/config_validation.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe::cli {

// A problem as the CLI prints it: an override's position is the --set it came from.
std::string problemLine(const ConfigProblem& problem);

// reportErrors' flags for a config command: overrides are --set, plus the command's own.
std::map<std::string, std::string> withConfigFlags(std::map<std::string, std::string> flags = {});

struct ConfigOptions {
  std::string configPath;
  std::vector<std::string> sets;  // STEP.PARAM=VALUE
  std::vector<std::string> vars;  // NAME=VALUE
  void addTo(CommandLine& line);
  // Loads the config with config_dir, the given built-ins and --var variables, then --set.
  PipelineConfig load(std::map<std::string, std::string> builtins) const;

  // What `run` and `plan` share: the config with --input/--output applied, and its checked plan.
  // Problems are printed one per line and end in a medpipe::Error.
  struct Loaded {
    PipelineConfig config;
    PipelinePlan plan;  // points into `config`
  };
  std::unique_ptr<Loaded> loadAndPlan(const std::string& input, const std::string& output) const;
};

}  // namespace medpipe::cli
