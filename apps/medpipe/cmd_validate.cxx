// medpipe validate CONFIG: every problem at once, each with file:line:column.
#include <iostream>

#include "pipeline_options.h"
#include "medpipe/cohort/cohort_tasks.h"
#include "medpipe/core/error.h"
#include "medpipe/pipeline/config_validation.h"

namespace medpipe::cli {

int runValidate(const Args& args) {
  CommandLine line;
  line.usage = "medpipe validate CONFIG [--set STEP.PARAM=VALUE]... [--var NAME=VALUE]...";
  ConfigOptions config;
  config.addTo(line);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("validate", [&] {
    const PipelineConfig pipeline = config.load({{"input_dir", "${input_dir}"}, {"output_dir", "${output_dir}"}});
    PipelinePlan plan = planPipeline(pipeline);
    for (auto& p : cohort::checkCohortTasks(pipeline.cohortTasks)) plan.problems.push_back(std::move(p));
    for (const auto& p : plan.problems) std::cerr << problemLine(p) << "\n";
    if (!plan.ok()) {
      std::cerr << config.configPath << ": " << plan.problems.size() << " problem(s)\n";
      return kFailure;
    }
    std::cout << config.configPath << ": OK (" << plan.steps.size() << " steps, " << pipeline.outputs.size() << " outputs"
              << (pipeline.cohortTasks.empty() ? "" : ", " + std::to_string(pipeline.cohortTasks.size()) + " cohort command(s)") << ")\n";
    return kSuccess;
  }, withConfigFlags());
}

}  // namespace medpipe::cli
