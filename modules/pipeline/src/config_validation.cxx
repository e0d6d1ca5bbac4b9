#include "medpipe/pipeline/config_validation.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/io/series_selector.h"
#include "medpipe/pipeline/output_formats.h"

namespace medpipe {
namespace {

constexpr const char* kInputName = "input";  // the pipeline's input volume, usable as a step name

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string close = closestName(word, candidates);
  return close.empty() ? "" : " (did you mean '" + close + "'?)";
}

std::string withArticle(DataKind kind) {
  switch (kind) {
    case DataKind::Image: return "an image";
    case DataKind::Labels: return "a label map";
    case DataKind::Table: return "a table";
  }
  return "?";
}

struct Planner {
  const PipelineConfig& config;
  PipelinePlan plan;
  std::map<std::string, const StepConfig*> byName;
  std::map<std::string, PlannedStep> planned;
  std::map<std::string, const Stage*> stageOf;  // every step whose stage exists, planned or not

  // The kind of data a step (or the pipeline input) produces, when it is known.
  std::optional<DataKind> kindOf(const std::string& name) const {
    if (name == kInputName) return DataKind::Image;
    if (name == kRoisInputName && config.roisGiven) return DataKind::Labels;
    const auto it = stageOf.find(name);
    if (it == stageOf.end()) return std::nullopt;
    return it->second->spec().output;
  }

  void problem(const SourcePosition& where, const std::string& step, const std::string& message) {
    plan.problems.push_back({where, step, message});
  }

  std::vector<std::string> stepNames() const {
    std::vector<std::string> names{kInputName};
    if (config.roisGiven) names.push_back(kRoisInputName);
    for (const auto& s : config.steps) names.push_back(s.name);
    return names;
  }

  void checkStep(const StepConfig& step) {
    if (step.name == kInputName) problem(step.position, step.name, "'input' is reserved for the pipeline's input volume");
    if (step.name == kRoisInputName)
      problem(step.position, step.name, "'rois' is reserved for the label map of the input's ROIs (input: rois:)");
    if (step.stage.empty()) return problem(step.position, step.name, "missing 'stage:'");
    const Stage* stage = nullptr;
    try {
      stage = &findStage(step.stage);
    } catch (const Error& e) {
      return problem(step.at("stage"), step.name, e.info().reason);
    }
    stageOf[step.name] = stage;
    PlannedStep p{&step, stage, {}, {}};
    const StageSpec& spec = stage->spec();

    // Inputs: a scalar `input:` feeds the stage's first slot.
    p.inputs = step.inputs;
    if (!step.defaultInput.empty() && !spec.inputs.empty()) p.inputs[spec.inputs.front().name] = step.defaultInput;
    for (const auto& [slot, source] : p.inputs) {
      const bool known = std::any_of(spec.inputs.begin(), spec.inputs.end(), [&](const InputSpec& s) { return s.name == slot; });
      if (!known) problem(step.at("input"), step.name, "stage '" + spec.name + "' has no input '" + slot + "'");
      const auto slotSpec = std::find_if(spec.inputs.begin(), spec.inputs.end(), [&](const InputSpec& s) { return s.name == slot; });
      const auto sourceKind = kindOf(source);
      if (slotSpec != spec.inputs.end() && sourceKind && *sourceKind != slotSpec->kind)
        problem(step.at("input"), step.name, "input '" + slot + "' must be " + toString(slotSpec->kind) + ", got " +
                                                 toString(*sourceKind) + " from '" + source + "'");
      const auto names = stepNames();
      if (source == kRoisInputName && !config.roisGiven) {
        problem(step.at("input"), step.name,
                "input 'rois' needs the ROIs named in the config's input (input: rois: \"GTV*\")");
      } else if (std::find(names.begin(), names.end(), source) == names.end()) {
        const std::string close = closestName(source, names);
        problem(step.at("input"), step.name, "input '" + source + "' names no step" +
                                              (close.empty() ? "" : " (did you mean '" + close + "'?)"));
      }
    }
    for (const auto& in : spec.inputs)
      if (!in.optional && !p.inputs.count(in.name))
        problem(step.at("input"), step.name, "stage '" + spec.name + "' needs input '" + in.name + "' (" + toString(in.kind) + ")");

    // Parameters, one at a time so every error is reported with its own position.
    std::map<std::string, ParameterValue> values;
    bool parametersOk = true;
    std::vector<std::string> parameterNames;
    for (const auto& s : spec.parameters) parameterNames.push_back(s.name);
    auto add = [&](const std::string& name, const std::function<ParameterValue(const ParameterSpec&)>& make) {
      const auto where = step.at(name);
      const auto declared = std::find_if(spec.parameters.begin(), spec.parameters.end(),
                                         [&](const ParameterSpec& s) { return s.name == name; });
      if (declared == spec.parameters.end()) {
        problem(where, step.name, spec.name + "." + name + ": unknown parameter" + didYouMean(name, parameterNames));
        parametersOk = false;
        return;
      }
      try {
        const ParameterValue value = make(*declared);
        validateParameter(spec.name, *declared, value);
        values[name] = value;
      } catch (const Error& e) {
        problem(where, step.name, e.info().field + ": " + e.info().reason);
        parametersOk = false;
      }
    };
    for (const auto& [name, text] : step.parameterText)
      add(name, [&, text = text](const ParameterSpec& s) { return parseParameterText(spec.name, s, text); });
    for (const auto& [name, points] : step.parameterPoints)
      add(name, [&, points = points](const ParameterSpec& s) {
        if (s.type != ParameterType::Points)
          throw Error("", spec.name + "." + s.name, std::string("expected a ") + toString(s.type) + ", got a list of points");
        return ParameterValue(points);
      });
    if (!parametersOk) return;
    try {
      p.parameters = validateParameters(spec, values);
    } catch (const Error& e) {
      return problem(step.position, step.name, e.info().field + ": " + e.info().reason);
    }
    planned[step.name] = p;
  }

  // Depth-first topological order; a cycle is reported once with its path.
  void order() {
    std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
    std::vector<std::string> path;
    std::function<bool(const std::string&)> visit = [&](const std::string& name) -> bool {
      if (name == kInputName || !planned.count(name)) return true;  // unknown names are reported elsewhere
      if (state[name] == 2) return true;
      if (state[name] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), name); it != path.end(); ++it) cycle += *it + " -> ";
        problem(byName.at(name)->at("input"), name, "steps form a cycle: " + cycle + name);
        return false;
      }
      state[name] = 1;
      path.push_back(name);
      for (const auto& [slot, source] : planned.at(name).inputs)
        if (!visit(source)) return false;
      path.pop_back();
      state[name] = 2;
      plan.steps.push_back(planned.at(name));
      return true;
    };
    for (const auto& step : config.steps)
      if (!visit(step.name)) return;
  }

  // An output with `format:`: the format exists, takes this kind of result, has the right
  // extension and knows every option; `over` names an image computed no later than the step.
  void checkFormattedOutput(const OutputConfig& out, DataKind kind) {
    const OutputFormat* format = findOutputFormat(out.format);
    if (!format) {
      std::string known;
      for (const auto& name : outputFormatNames()) known += (known.empty() ? "" : ", ") + name;
      return problem(out.position, out.step, "output format '" + out.format + "' is not one of: " + known +
                                                 " (without format: the file extension decides)");
    }
    if (std::find(format->accepts.begin(), format->accepts.end(), kind) == format->accepts.end())
      return problem(out.position, out.step, "format '" + out.format + "' cannot write " + withArticle(kind));
    if (out.format == "dicom" && kind == DataKind::Labels && fullExtension(out.file) != ".dcm")
      problem(out.position, out.step, "a label map is written as one DICOM SEG file: give 'file:' a .dcm name");
    if (!format->extension.empty() && fullExtension(out.file) != format->extension)
      problem(out.position, out.step, "format '" + out.format + "' writes " + format->extension + " files");
    if (!format->unavailable.empty()) problem(out.position, out.step, "format '" + out.format + "': " + format->unavailable);
    for (const auto& [name, text] : out.options) {
      try {
        parseOutputOption(*format, name, text);
      } catch (const Error& e) {
        const bool unknown = std::none_of(format->options.begin(), format->options.end(),
                                          [&](const ParameterSpec& o) { return o.name == name; });
        problem(unknown ? out.position : out.at(name), out.step,
                unknown ? e.info().reason : "output '" + out.file + "': option '" + name + "': " + e.info().reason);
      }
    }
    if (out.over.empty()) return;
    const auto overKind = kindOf(out.over);
    if (!overKind) return problem(out.position, out.step, "'over' names no step '" + out.over + "'");
    if (*overKind != DataKind::Image) problem(out.position, out.step, "'over' must name an image, '" + out.over + "' is " + withArticle(*overKind));
    if (!computedNoLaterThan(out.over, out.step))
      problem(out.position, out.step, "'over' step '" + out.over + "' must come before '" + out.step + "'");
  }

  // True when `before` is the input or runs no later than `step` in dependency order.
  bool computedNoLaterThan(const std::string& before, const std::string& step) const {
    if (before == kInputName || before == step) return true;
    size_t a = plan.steps.size(), b = plan.steps.size();
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      if (plan.steps[i].config->name == before) a = i;
      if (plan.steps[i].config->name == step) b = i;
    }
    return a <= b || b == plan.steps.size();
  }

  // Where run will write: a path relative to the unit's folder that stays inside it. Symbolic
  // links inside the folder are checked when the file is written (pipeline_runner.cxx).
  void checkOutputPath(const OutputConfig& out) {
    const std::filesystem::path file(out.file);
    const std::filesystem::path normal = file.lexically_normal();
    std::string why;
    if (out.file.empty()) why = "'file:' is empty";
    else if (file.has_root_path()) why = "'file:' must be relative to the output folder, not an absolute path";
    else if (normal == "." || normal.empty()) why = "'file:' names the output folder itself";
    else if (*normal.begin() == "..") why = "'file:' leads out of the output folder ('..')";
    if (!why.empty()) problem(out.at("file"), out.step, "output '" + out.file + "': " + why);
  }

  void checkOutputs() {
    // An image file as input (by its name, as run decides) has no study to write DICOM into.
    const bool imageFileInput = extensionAccepts(config.inputPath, DataKind::Image);
    for (const auto& out : config.outputs) {
      checkOutputPath(out);
      if (imageFileInput && out.format == "dicom")
        problem(out.at("format"), out.step, "output '" + out.file + "': format 'dicom' needs a DICOM input series, the input is an image file");
      if (out.step == kRoisInputName && !config.roisGiven) {
        problem(out.position, "", "output of 'rois' needs the ROIs named in the config's input (input: rois: \"GTV*\")");
        continue;
      }
      if (!byName.count(out.step)) {
        const std::string close = closestName(out.step, stepNames());
        problem(out.position, "", "output names no step '" + out.step + "'" + (close.empty() ? "" : " (did you mean '" + close + "'?)"));
        continue;
      }
      const auto known = kindOf(out.step);
      if (!known) continue;  // the step's unknown stage is reported already
      const DataKind kind = *known;
      if (!out.format.empty()) {
        checkFormattedOutput(out, kind);
        continue;
      }
      for (const auto& [name, value] : out.options)
        problem(out.position, out.step, "unknown output key '" + name + "' (without format: step, file)");
      if (!out.over.empty()) problem(out.position, out.step, "'over' needs a format that draws pictures (preview, render)");
      if (!extensionAccepts(out.file, kind))
        problem(out.position, out.step, "output '" + out.file + "' cannot hold " + withArticle(kind) +
                                            (kind == DataKind::Table ? " (use .csv or .json)" : " (use .nii.gz, .nii, .nrrd or .mha)"));
    }
  }
};

}  // namespace

std::string ConfigProblem::str() const {
  return position.str() + ": " + (step.empty() ? "" : "step '" + step + "': ") + message;
}

bool extensionAccepts(const std::string& file, DataKind kind) {
  const std::string ext = fullExtension(file);
  if (kind == DataKind::Table) return ext == ".csv" || ext == ".json";
  return ext == ".nii.gz" || ext == ".nii" || ext == ".nrrd" || ext == ".mha";
}

PipelinePlan planPipeline(const PipelineConfig& config) {
  Planner planner{config, {}, {}, {}, {}};
  for (const auto& step : config.steps) {
    if (!planner.byName.emplace(step.name, &step).second)
      planner.problem(step.position, step.name, "a step with this name exists already");
  }
  planner.byName[kInputName] = nullptr;
  if (config.roisGiven) planner.byName[kRoisInputName] = nullptr;
  if (config.roisGiven && config.regionsPath.empty() && extensionAccepts(config.inputPath, DataKind::Image))
    planner.problem(config.roisPosition, "",
                    "input.rois: an image-file input has no RTSTRUCT or SEG beside it: name one with input.regions");
  try {
    SeriesSelector selector(config.seriesSelector);
  } catch (const Error& e) {
    const SourcePosition where = config.seriesPosition.file.empty() ? SourcePosition{config.sourceFile, 0, 0} : config.seriesPosition;
    planner.problem(where, "", "input." + e.info().field + ": " + e.info().reason);
  }
  if (config.inputPath.empty()) planner.problem({config.sourceFile, 0, 0}, "", "no input: the config has no 'input:' and none was given");
  for (const auto& step : config.steps) {
    try {
      if (!step.stage.empty()) planner.stageOf[step.name] = &findStage(step.stage);
    } catch (const Error&) {
    }
  }
  for (const auto& step : config.steps) planner.checkStep(step);
  planner.order();
  planner.checkOutputs();
  return planner.plan;
}

}  // namespace medpipe
