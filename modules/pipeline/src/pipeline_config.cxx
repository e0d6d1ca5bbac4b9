#include "medpipe/pipeline/pipeline_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/io/region_objects.h"

namespace medpipe {
namespace {

SourcePosition positionOf(const YAML::Node& node, const std::string& file) {
  const YAML::Mark mark = node.Mark();
  return {file, mark.line + 1, mark.column + 1};
}

// ${name} -> value; an unknown variable is an error naming it and its position.
std::string expand(const std::string& text, const std::map<std::string, std::string>& variables,
                   const SourcePosition& where) {
  static const std::regex reference(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), reference);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto found = variables.find((*it)[1]);
    if (found == variables.end()) throw Error(where.str(), "", "unknown variable ${" + (*it)[1].str() + "}");
    out += text.substr(last, it->position() - last) + found->second;
    last = it->position() + it->length();
  }
  return out + text.substr(last);
}

std::string inputKeyNames() {
  std::string names;
  for (const auto& k : pipelineInputKeys()) names += (names.empty() ? "" : ", ") + k.name;
  return names;
}

// Sets one key of `input:`; false for a key that is not declared.
bool setInputKey(PipelineConfig& config, const std::string& name, const std::string& value, const SourcePosition& where) {
  if (name == "path") {
    config.inputPath = value;
  } else if (name == "series") {
    config.seriesSelector = value, config.seriesPosition = where;
  } else if (name == "rois") {
    config.rois = splitRoiGlobs(value), config.roisGiven = true, config.roisPosition = where;
  } else if (name == "regions") {
    config.regionsPath = value, config.roisGiven = true;
    if (config.rois.empty()) config.roisPosition = where;
  } else {
    return false;
  }
  return true;
}

class ConfigReader {
 public:
  ConfigReader(std::string file, std::map<std::string, std::string> variables)
      : file_(std::move(file)), variables_(std::move(variables)) {}

  PipelineConfig read(const YAML::Node& root) {
    PipelineConfig config;
    config.sourceFile = file_;
    if (!root.IsMap()) throw Error(positionOf(root, file_).str(), "", "a config is a mapping with input, steps and outputs");
    readVariables(root);
    config.variables = variables_;
    readInput(root["input"], config);
    const auto steps = root["steps"];
    if (steps && !steps.IsMap() && !steps.IsNull())
      throw Error(positionOf(steps, file_).str(), "steps", "expected a mapping of named steps");
    if (steps && steps.IsMap())
      for (const auto& s : steps) config.steps.push_back(readStep(key(s.first), s.second));
    if (const auto outputs = root["outputs"]) {
      if (!outputs.IsSequence()) throw Error(positionOf(outputs, file_).str(), "outputs", "expected a list of {step, file}");
      for (const auto& o : outputs) config.outputs.push_back(readOutput(o));
    }
    config.cohortTasks = readCohort(root["cohort"]);
    for (const auto& key : root) {
      const std::string name = this->key(key.first);
      if (name != "input" && name != "steps" && name != "outputs" && name != "variables" && name != "cohort")
        throw Error(positionOf(key.first, file_).str(), name, "unknown section (expected input, variables, steps, outputs, cohort)");
    }
    return config;
  }

  void readVariables(const YAML::Node& root) {
    if (const auto vars = root["variables"]) {
      if (!vars.IsMap() && !vars.IsNull())
        throw Error(positionOf(vars, file_).str(), "variables", "expected a mapping of NAME: value");
      for (const auto& v : vars) variables_.emplace(key(v.first), scalar(v.second));
    }
  }

  // cohort: {outliers: {...}, cluster: {k: auto}, train: {...}, predict: {...}}; a command with no
  // options may be written `outliers:` alone. Lists (columns) are joined with commas.
  std::vector<CohortTaskConfig> readCohort(const YAML::Node& section) {
    std::vector<CohortTaskConfig> tasks;
    if (!section || section.IsNull()) return tasks;
    if (!section.IsMap())
      throw Error(positionOf(section, file_).str(), "cohort", "expected a mapping of commands (outliers, cluster, train, predict)");
    for (const auto& command : section) {
      CohortTaskConfig& task = tasks.emplace_back();
      task.command = key(command.first);
      task.position = positionOf(command.first, file_);
      if (command.second.IsNull()) continue;
      if (!command.second.IsMap())
        throw Error(positionOf(command.second, file_).str(), "cohort." + task.command, "expected a mapping of options");
      for (const auto& option : command.second) {
        const std::string name = key(option.first);
        const YAML::Node& value = option.second;
        task.optionPositions[name] = positionOf(value, file_);
        if (value.IsSequence()) {
          std::string joined;
          for (const auto& item : value) joined += (joined.empty() ? "" : ",") + scalar(item);
          task.options[name] = joined;
        } else {
          task.options[name] = scalar(value);
        }
      }
    }
    return tasks;
  }

 private:
  // Mapping keys are plain names; YAML also allows lists and mappings there ("? [a, b]: x").
  std::string key(const YAML::Node& node) {
    if (!node.IsScalar()) throw Error(positionOf(node, file_).str(), "", "a key must be a plain name, not a list or mapping");
    return node.Scalar();
  }

  std::string scalar(const YAML::Node& node) {
    if (!node.IsScalar()) throw Error(positionOf(node, file_).str(), "", "expected a single value");
    return expand(node.Scalar(), variables_, positionOf(node, file_));
  }

  void readInput(const YAML::Node& input, PipelineConfig& config) {
    if (!input) return;  // may come from --input
    config.inputPosition = positionOf(input, file_);
    if (input.IsScalar()) {
      config.inputPath = scalar(input);
      return;
    }
    if (!input.IsMap()) throw Error(config.inputPosition.str(), "input", "expected a path or a mapping of " + inputKeyNames());
    config.seriesPosition = config.roisPosition = config.inputPosition;
    for (const auto& entry : input) {
      const std::string name = key(entry.first);
      const YAML::Node& value = entry.second;
      if (name == "rois" && value.IsSequence()) {
        for (const auto& glob : value) config.rois.push_back(scalar(glob));
        config.roisGiven = true, config.roisPosition = positionOf(value, file_);
        continue;
      }
      if (!setInputKey(config, name, scalar(value), positionOf(value, file_)))
        throw Error(positionOf(entry.first, file_).str(), "input." + name,
                    "unknown input key (expected " + inputKeyNames() + ")");
    }
  }

  StepConfig readStep(const std::string& name, const YAML::Node& node) {
    StepConfig step;
    step.name = name;
    step.position = positionOf(node, file_);
    if (!node.IsMap()) throw Error(step.position.str(), "", "step '" + name + "' must be a mapping with 'stage:'");
    for (const auto& entry : node) {
      const std::string key = this->key(entry.first);
      const YAML::Node& value = entry.second;
      if (key == "stage" || key == "input") step.parameterPositions[key] = positionOf(value, file_);
      if (key == "stage") {
        step.stage = scalar(value);
      } else if (key == "input") {
        if (value.IsMap()) {
          for (const auto& slot : value) step.inputs[this->key(slot.first)] = scalar(slot.second);
        } else {
          step.defaultInput = scalar(value);
        }
      } else if (value.IsSequence()) {
        step.parameterPoints[key] = readPoints(value, false);
        step.parameterPositions[key] = positionOf(value, file_);
      } else if (value.IsMap() && value["voxel"]) {
        step.parameterPoints[key] = readPoints(value["voxel"], true);
        step.parameterPositions[key] = positionOf(value, file_);
      } else {
        step.parameterText[key] = scalar(value);
        step.parameterPositions[key] = positionOf(value, file_);
      }
    }
    return step;
  }

  Points readPoints(const YAML::Node& list, bool voxels) {
    Points points;
    points.voxelIndices = voxels;
    for (const auto& p : list) {
      if (!p.IsSequence() || p.size() != 3) throw Error(positionOf(p, file_).str(), "", "a point is a list of 3 numbers");
      std::array<double, 3> xyz{};
      for (size_t d = 0; d < 3; ++d) {
        try {
          xyz[d] = p[d].as<double>();
        } catch (const YAML::Exception&) {
          throw Error(positionOf(p[d], file_).str(), "", "'" + p[d].Scalar() + "' is not a number");
        }
      }
      points.points.push_back(xyz);
    }
    return points;
  }

  OutputConfig readOutput(const YAML::Node& node) {
    OutputConfig output;
    output.position = positionOf(node, file_);
    if (!node.IsMap() || !node["step"] || !node["file"])
      throw Error(output.position.str(), "outputs", "each output needs 'step:' and 'file:'");
    output.step = scalar(node["step"]);
    output.file = scalar(node["file"]);
    for (const auto& entry : node) {
      const std::string name = key(entry.first);
      if (name == "format") output.format = scalar(entry.second);
      else if (name == "over") output.over = scalar(entry.second);
      else if (name != "step" && name != "file") output.options[name] = scalar(entry.second);
      if (name != "step") output.optionPositions[name] = positionOf(entry.second, file_);
    }
    return output;
  }

  std::string file_;
  std::map<std::string, std::string> variables_;
};

void applyOverride(PipelineConfig& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) throw Error(kOverrideSource, "", "'" + assignment + "' is not NAME=VALUE or STEP.PARAM=VALUE");
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  const auto dot = key.find('.');
  if (dot == std::string::npos) throw Error(kOverrideSource, key, "give STEP.PARAM=VALUE (a variable is not set by an override)");
  const std::string target = key.substr(0, dot), field = key.substr(dot + 1);
  const SourcePosition where{kOverrideSource, 0, 0};
  if (target == "input") {
    if (!setInputKey(config, field, value, where)) throw Error(kOverrideSource, key, "input has " + inputKeyNames());
    return;
  }
  for (auto& step : config.steps) {
    if (step.name != target) continue;
    if (field == "stage") {
      step.stage = value;
    } else {
      step.parameterPoints.erase(field);
      step.parameterText[field] = value;
      step.parameterPositions[field] = where;
    }
    return;
  }
  throw Error(kOverrideSource, key, "no step named '" + target + "'");
}

}  // namespace

const char* const kOverrideSource = "override";
const char* const kRoisInputName = "rois";

const std::vector<InputKeySpec>& pipelineInputKeys() {
  static const std::vector<InputKeySpec> keys = {
      {"path", "DICOM folder, PACS export root or image file (or give --input)", "/data/export"},
      {"series", "which series are units: uid=, number=, description=GLOB, modality= (comma = and)", "modality=CT"},
      {"rois",
       "ROI names or globs of the RTSTRUCT or SEG that references the unit's series, comma-separated or a list; "
       "steps read the label map as input `rois` (labels 1, 2, ... in the file's order); every name must match a ROI",
       "GTV*,Lung*"},
      {"regions",
       "an RTSTRUCT or SEG file to take the ROIs from (default: the one in the input folder that references the "
       "unit's series; needed for an image-file input); without `rois:` every ROI",
       "/data/export/RS.dcm"},
  };
  return keys;
}

std::string pipelineInputMarkdown() {
  std::string out =
      "\n## The `input:` section\n\nA path, or a mapping of these keys (also settable with `--set input.KEY=VALUE`):\n\n"
      "| key | meaning | example |\n|---|---|---|\n";
  for (const auto& k : pipelineInputKeys()) out += "| `" + k.name + "` | " + k.doc + " | `" + k.example + "` |\n";
  return out;
}

std::string SourcePosition::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

PipelineConfig parsePipelineConfig(const std::string& text, const std::string& name,
                                   const std::vector<std::string>& overrides,
                                   const std::map<std::string, std::string>& variables) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(SourcePosition{name, e.mark.line + 1, e.mark.column + 1}.str(), "", e.msg);
  }
  try {
    PipelineConfig config = ConfigReader(name, variables).read(root);
    for (const auto& o : overrides) applyOverride(config, o);
    return config;
  } catch (const YAML::Exception& e) {  // a shape the reader did not expect (conversions, subscripts)
    throw Error(SourcePosition{name, e.mark.line + 1, e.mark.column + 1}.str(), "", e.msg);
  }
}

std::vector<CohortTaskConfig> loadCohortTasks(const std::string& path, const std::map<std::string, std::string>& variables) {
  std::ifstream in(path);
  if (!in) throw Error(path, "", "cannot read config");
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    throw Error(SourcePosition{path, e.mark.line + 1, e.mark.column + 1}.str(), "", e.msg);
  }
  try {
    if (!root.IsMap()) throw Error(positionOf(root, path).str(), "", "a config is a mapping");
    if (!root["cohort"]) return {};
    ConfigReader reader(path, variables);
    reader.readVariables(root);
    return reader.readCohort(root["cohort"]);
  } catch (const YAML::Exception& e) {
    throw Error(SourcePosition{path, e.mark.line + 1, e.mark.column + 1}.str(), "", e.msg);
  }
}

PipelineConfig loadPipelineConfig(const std::string& path, const std::vector<std::string>& overrides,
                                  const std::map<std::string, std::string>& variables) {
  std::ifstream in(path);
  if (!in) throw Error(path, "", "cannot read config");
  std::stringstream text;
  text << in.rdbuf();
  return parsePipelineConfig(text.str(), path, overrides, variables);
}

}  // namespace medpipe
