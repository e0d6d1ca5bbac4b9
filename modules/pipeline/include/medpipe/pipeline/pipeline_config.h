#pragma once
// A pipeline config as read from YAML (or JSON): input, named steps forming a graph, outputs.
#include <map>
#include <string>
#include <vector>

#include "medpipe/filters/parameters.h"

namespace medpipe {

struct SourcePosition {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown (e.g. a --set override)
  int column = 0;  // 1-based
  std::string str() const;  // "file:line:column"
};

struct StepConfig {
  std::string name;
  std::string stage;
  std::map<std::string, std::string> inputs;  // stage input slot -> step name ("input" = the input volume)
  std::string defaultInput;                   // `input: name` given as a scalar: the stage's first slot
  std::map<std::string, std::string> parameterText;  // raw values as written (after ${var} expansion)
  std::map<std::string, Points> parameterPoints;      // seeds written as YAML lists
  SourcePosition position;
  std::map<std::string, SourcePosition> parameterPositions;  // also "stage" and "input"
  SourcePosition at(const std::string& key) const {  // the key's value, else the step
    const auto it = parameterPositions.find(key);
    return it == parameterPositions.end() ? position : it->second;
  }
};

struct OutputConfig {
  std::string step;
  std::string file;    // relative to the output folder; the extension says the format, unless `format`
  std::string format;  // "" (by extension), or an output format: dicom, preview, render (output_formats.h)
  std::string over;    // a label map's background image for preview/render: a step name, default "input"
  std::map<std::string, std::string> options;  // the format's own keys (description, window, view...), as written
  SourcePosition position;
  std::map<std::string, SourcePosition> optionPositions;  // each option's value
  SourcePosition at(const std::string& key) const {     // the key's value, else the output
    const auto it = optionPositions.find(key);
    return it == optionPositions.end() ? position : it->second;
  }
};

// The keys of a config's `input:` mapping, declared once: the config reader, --set input.KEY=...,
// `medpipe schema` and the generated docs (docs/outputs.md) all read this list.
struct InputKeySpec {
  std::string name;
  std::string doc;
  std::string example;
};
const std::vector<InputKeySpec>& pipelineInputKeys();
std::string pipelineInputMarkdown();  // the `input:` section of docs/outputs.md

// The name steps use for the region label map of `input: rois:` (like "input" for the volume).
extern const char* const kRoisInputName;

// One command of the `cohort:` section (outliers, cluster, train, predict) with its options as
// written; medpipe::cohort checks them against its declarations (cohort_tasks.h). A YAML list
// (columns) arrives joined with commas.
struct CohortTaskConfig {
  std::string command;
  std::map<std::string, std::string> options;
  SourcePosition position;                                 // the command's key
  std::map<std::string, SourcePosition> optionPositions;  // each option's key
  SourcePosition at(const std::string& key) const {
    const auto it = optionPositions.find(key);
    return it == optionPositions.end() ? position : it->second;
  }
};

struct PipelineConfig {
  std::string sourceFile;
  std::string inputPath;       // DICOM folder / export root, or an image file
  std::string seriesSelector;  // see SeriesSelector
  // `rois:` ROI names or globs of the RTSTRUCT/SEG that references the unit's series (or of the
  // `regions:` file); the label map is the pseudo-step "rois", labels 1, 2, ... in the file's order.
  std::vector<std::string> rois;
  bool roisGiven = false;      // `rois:` or `regions:` present: the pipeline has a "rois" input
  std::string regionsPath;     // `regions:` an RTSTRUCT or SEG file; "" = found in the input folder
  SourcePosition inputPosition;
  SourcePosition seriesPosition;  // of `series:`, else the input's
  SourcePosition roisPosition;    // of `rois:` / `regions:`, else the input's
  std::map<std::string, std::string> variables;
  std::vector<StepConfig> steps;  // in file order
  std::vector<OutputConfig> outputs;
  std::vector<CohortTaskConfig> cohortTasks;  // `cohort:`, run by `run` after the batch's cohort build
};

// Where an override's value came from, in errors and positions (the CLI says "--set").
extern const char* const kOverrideSource;

// Reads a YAML/JSON config. `overrides` are assignments (the CLI's --set): "step.param=value",
// "input.path=...", "input.series=...", or "var=value" for a variable. Syntax errors throw
// medpipe::Error with file:line:column; semantic checks are validatePipeline()'s job.
PipelineConfig loadPipelineConfig(const std::string& path, const std::vector<std::string>& overrides = {},
                                  const std::map<std::string, std::string>& variables = {});

// The same from text (tests); `name` stands for the file in positions.
PipelineConfig parsePipelineConfig(const std::string& text, const std::string& name,
                                   const std::vector<std::string>& overrides = {},
                                   const std::map<std::string, std::string>& variables = {});

// Only the `cohort:` section (and `variables:`) of a YAML file, for `medpipe cohort run`: a pipeline
// config or a file holding just that section (empty when it has none). Throws medpipe::Error
// with file:line:column.
std::vector<CohortTaskConfig> loadCohortTasks(const std::string& path, const std::map<std::string, std::string>& variables = {});

}  // namespace medpipe
