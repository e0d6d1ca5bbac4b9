#include "pipeline_options.h"

#include <filesystem>
#include <iostream>

#include "medpipe/cohort/cohort_tasks.h"
#include "medpipe/core/error.h"
#include "medpipe/deep/network.h"

namespace medpipe::cli {

std::string problemLine(const ConfigProblem& problem) {
  ConfigProblem shown = problem;
  if (shown.position.file == kOverrideSource) shown.position.file = "--set";
  return shown.str();
}

std::map<std::string, std::string> withConfigFlags(std::map<std::string, std::string> flags) {
  flags[kOverrideSource] = "--set";
  return flags;
}

void ConfigOptions::addTo(CommandLine& line) {
  static const std::string setHelp = [] {
    std::string keys;
    for (const auto& k : pipelineInputKeys()) keys += (keys.empty() ? "input." : " / input.") + k.name + "=";
    return "override a parameter: STEP.PARAM=VALUE, or " + keys + " (repeatable)";
  }();
  line.options.add_options()
      ("config", po::value(&configPath)->required(), "pipeline config (YAML or JSON)")
      ("set", po::value(&sets)->composing(), setHelp.c_str())
      ("var", po::value(&vars)->composing(), "define a variable used as ${NAME} in the config: NAME=VALUE (repeatable)");
  line.positional.add("config", 1);
}

PipelineConfig ConfigOptions::load(std::map<std::string, std::string> variables) const {
  variables["config_dir"] = std::filesystem::absolute(configPath).parent_path().string();
  for (const auto& v : vars) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--var", v, "expected NAME=VALUE");
    variables[v.substr(0, eq)] = v.substr(eq + 1);
  }
  return loadPipelineConfig(configPath, sets, variables);
}

std::unique_ptr<ConfigOptions::Loaded> ConfigOptions::loadAndPlan(const std::string& input, const std::string& output) const {
  std::map<std::string, std::string> builtins{{"output_dir", output}};
  if (!input.empty()) builtins["input_dir"] = input;
  auto loaded = std::make_unique<Loaded>();
  loaded->config = load(builtins);
  if (!input.empty()) loaded->config.inputPath = input;
  loaded->plan = planPipeline(loaded->config);
  for (auto& p : cohort::checkCohortTasks(loaded->config.cohortTasks)) loaded->plan.problems.push_back(std::move(p));
  if (!loaded->plan.ok()) {
    for (const auto& p : loaded->plan.problems) std::cerr << problemLine(p) << "\n";
    // A stage this build lacks is not the config's fault: said once more, exit 2 (reportErrors).
    for (const auto& p : loaded->plan.problems)
      if (p.message.find(deep::kWithoutTorch) != std::string::npos) throw Error(configPath, "", deep::kWithoutTorch);
    throw Error(configPath, "", std::to_string(loaded->plan.problems.size()) + " problem(s) in the config (see above)");
  }
  return loaded;
}

}  // namespace medpipe::cli
