#pragma once
// Semantic checks of a pipeline config: every error at once, each with its position.
#include <string>
#include <vector>

#include "medpipe/filters/stage.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe {

struct ConfigProblem {
  SourcePosition position;
  std::string step;     // may be empty
  std::string message;  // what is wrong and what is expected
  std::string str() const;  // "file:line:col: step 'x': message"
};

// A step ready to run: its stage, validated parameters and resolved inputs.
struct PlannedStep {
  const StepConfig* config = nullptr;
  const Stage* stage = nullptr;
  ParameterValues parameters;
  std::map<std::string, std::string> inputs;  // slot -> step name or "input"
};

struct PipelinePlan {
  std::vector<PlannedStep> steps;  // in dependency order
  std::vector<ConfigProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Unknown stage or parameter (with did-you-mean), wrong type, out of range, missing required
// parameter, input naming no step, cycle, output of an unknown step or of the wrong kind.
PipelinePlan planPipeline(const PipelineConfig& config);

// The data kind a file extension holds: ".nii.gz" etc. -> Image or Labels, ".csv"/".json" -> Table.
bool extensionAccepts(const std::string& file, DataKind kind);

}  // namespace medpipe
