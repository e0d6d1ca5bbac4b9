// medpipe cohort outliers / cluster / train / predict DB, and cohort run CONFIG
// DB: the mining commands, their flags made from the options medpipe::cohort
// declares (cohort_tasks.h).
#include <iostream>

#include "cli_support.h"
#include "cohort_commands.h"
#include "medpipe/cohort/cohort_tasks.h"
#include "medpipe/core/error.h"

namespace medpipe::cli {
namespace {

std::string usageOf(const cohort::MiningCommand& command) {
  std::string usage = "medpipe cohort " + command.name + " DB";
  for (const auto& spec : command.options)
    if (spec.required) usage += " --" + spec.name + " " + allowedValues(spec);
  return usage + " [options]";
}

int runMining(const std::string& name, const Args& args) {
  const cohort::MiningCommand& command = *cohort::findMiningCommand(name);
  if (!command.available) {
    std::cerr << "medpipe cohort " << name
              << ": error: this medpipe was built without XGBoost (install "
                 "libxgboost-dev and rebuild)\n";
    return kUsage;
  }
  CommandLine line;
  line.usage = usageOf(command);
  std::string database;
  std::map<std::string, std::string> given;
  std::vector<std::string> columns;  // --columns may be repeated: the lists are joined
  line.options.add_options()("database", po::value(&database)->required(),
                             "cohort.sqlite, or the batch output folder holding it");
  std::map<std::string, std::string> flags;
  for (const auto& spec : command.options) {
    const std::string help = spec.doc + " (" +
                             (spec.required ? "required" : "default " + formatParameterValue(spec.defaultValue)) +
                             (allowedValues(spec).empty() ? "" : "; " + allowedValues(spec)) + ")";
    if (spec.name == "columns")
      line.options.add_options()("columns,c", po::value(&columns)->composing(), help.c_str());
    else
      line.options.add_options()(
          spec.name.c_str(), po::value<std::string>()->notifier([&given, n = spec.name](const std::string& v) { given[n] = v; }),
          help.c_str());
    flags[spec.name] = "--" + spec.name;
  }
  line.positional.add("database", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors(
      "cohort " + name,
      [&] {
        for (const auto& c : columns) given["columns"] += (given["columns"].empty() ? "" : ",") + c;
        const auto outcome = cohort::runMiningCommand(command, cohort::miningOptionValues(command, given), database);
        std::cout << outcome.headline << "\n";
        if (name == "predict")
          std::cerr << outcome.details;  // the refused units
        else
          std::cout << outcome.details;
        return outcome.ok ? kSuccess : kFailure;
      },
      flags);
}

}  // namespace

int runCohortOutliers(const Args& args) { return runMining("outliers", args); }
int runCohortCluster(const Args& args) { return runMining("cluster", args); }
int runCohortTrain(const Args& args) { return runMining("train", args); }
int runCohortPredict(const Args& args) { return runMining("predict", args); }

int runCohortConfig(const Args& args) {
  CommandLine line;
  line.usage = "medpipe cohort run CONFIG.yaml DB [--var NAME=VALUE]... [--if-any]";
  std::string config, database;
  std::vector<std::string> vars;
  line.options.add_options()("config", po::value(&config)->required(),
                             "a YAML file with a cohort: section (a pipeline "
                             "config, or just that section)")("database", po::value(&database)->required(),
                                                              "cohort.sqlite, or the batch output folder holding it")(
      "var", po::value(&vars)->composing(),
      "define a variable used as ${NAME} in the config: NAME=VALUE "
      "(repeatable)")("if-any",
                      "a config without a cohort: section is no error: nothing "
                      "to do (the Snakemake workflow's last step)");
  line.positional.add("config", 1).add("database", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("cohort run", [&] {
    const std::filesystem::path configDir = std::filesystem::absolute(config).parent_path();
    std::map<std::string, std::string> variables{{"config_dir", configDir.string()}};
    {
      std::error_code ec;
      const std::filesystem::path db(database);
      variables["output_dir"] = std::filesystem::is_directory(db, ec) ? db.string() : db.parent_path().string();
    }
    for (const auto& v : vars) {
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) throw Error("--var", v, "expected NAME=VALUE");
      variables[v.substr(0, eq)] = v.substr(eq + 1);
    }
    const auto tasks = loadCohortTasks(config, variables);
    if (tasks.empty()) {
      if (vm.count("if-any")) return kSuccess;
      throw Error(config, "cohort",
                  "no cohort: section with commands (outliers, cluster, train, "
                  "predict)");
    }
    const auto problems = cohort::checkCohortTasks(tasks);
    for (const auto& p : problems) std::cerr << p.str() << "\n";
    if (!problems.empty())
      throw Error(config, "", std::to_string(problems.size()) + " problem(s) in the cohort section (see above)");
    bool ok = true;
    for (const auto& o : cohort::runCohortTasks(tasks, database, configDir)) {
      std::cout << o.command << ": " << o.headline << "\n";
      if (!o.ok) std::cerr << o.details;
      ok = ok && o.ok;
    }
    return ok ? kSuccess : kFailure;
  });
}

}  // namespace medpipe::cli
