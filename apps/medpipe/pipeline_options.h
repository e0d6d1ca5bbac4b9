#pragma once
// Options shared by `run` and `validate`: the config, --set overrides and --var variables.
#include <map>
#include <string>
#include <vector>

#include "cli_support.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe::cli {

struct ConfigOptions {
  std::string configPath;
  std::vector<std::string> sets;  // STEP.PARAM=VALUE
  std::vector<std::string> vars;  // NAME=VALUE
  void addTo(CommandLine& line);
  // Loads the config with config_dir, the given built-ins and --var variables, then --set.
  PipelineConfig load(std::map<std::string, std::string> builtins) const;
};

}  // namespace medpipe::cli
