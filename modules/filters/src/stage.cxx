#include "medpipe/filters/stage.h"

#include <algorithm>
#include <mutex>
#include <sstream>

#include "medpipe/core/error.h"

namespace medpipe {

void registerBuiltinStages();  // generated from src/stages/

namespace {

std::vector<std::unique_ptr<Stage>>& registry() {
  static std::vector<std::unique_ptr<Stage>> stages;
  return stages;
}

void ensureBuiltinStages() {
  static std::once_flag once;
  // A failed registration (a duplicate name) leaves the registry empty, so every later call fails the same way.
  std::call_once(once, [] {
    try {
      registerBuiltinStages();
    } catch (...) {
      registry().clear();
      throw;
    }
  });
}

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string close = closestName(word, candidates);
  return close.empty() ? "" : " (did you mean '" + close + "'?)";
}

std::string formatLimit(double v) { return formatParameterValue(v); }

}  // namespace

const char* toString(DataKind kind) {
  switch (kind) {
    case DataKind::Image: return "image";
    case DataKind::Labels: return "labels";
    case DataKind::Table: return "table";
  }
  return "?";
}

DataKind StageData::kind() const {
  if (labels) return DataKind::Labels;
  if (table) return DataKind::Table;
  return DataKind::Image;
}

const char* toString(StageCategory category) {
  switch (category) {
    case StageCategory::Denoise: return "denoise";
    case StageCategory::Segment: return "segment";
    case StageCategory::Utility: return "utility";
    case StageCategory::Measure: return "measure";
  }
  return "?";
}

namespace detail {
void registerBuiltinStage(std::unique_ptr<Stage> stage) {
  const std::string& name = stage->spec().name;
  if (name.empty()) throw Error("", "stage", "a stage has no name");
  for (const auto& s : registry())
    if (s->spec().name == name) throw Error("", "stage", "stage '" + name + "' is registered twice");
  registry().push_back(std::move(stage));
}
}  // namespace detail

void registerStage(std::unique_ptr<Stage> stage) {
  ensureBuiltinStages();  // so that a later built-in cannot take the name of this one
  detail::registerBuiltinStage(std::move(stage));
}

std::vector<const Stage*> allStages() {
  ensureBuiltinStages();
  std::vector<const Stage*> stages;
  for (const auto& s : registry()) stages.push_back(s.get());
  std::sort(stages.begin(), stages.end(), [](const Stage* a, const Stage* b) { return a->spec().name < b->spec().name; });
  return stages;
}

const Stage& findStage(const std::string& name) {
  std::vector<std::string> names;
  for (const auto* s : allStages()) {
    if (s->spec().name == name) return *s;
    names.push_back(s->spec().name);
  }
  throw Error("", "stage", "unknown stage '" + name + "'" + didYouMean(name, names));
}

ParameterValues validateParameters(const StageSpec& spec, const std::map<std::string, ParameterValue>& given) {
  std::map<std::string, ParameterValue> values;
  std::vector<std::string> names;
  for (const auto& p : spec.parameters) names.push_back(p.name);
  for (const auto& [name, value] : given) {
    const auto p = std::find_if(spec.parameters.begin(), spec.parameters.end(),
                                [&](const ParameterSpec& s) { return s.name == name; });
    if (p == spec.parameters.end()) throw Error("", spec.name + "." + name, "unknown parameter" + didYouMean(name, names));
    validateParameter(spec.name, *p, value);
    // Integers given for a number are widened so stages read one type.
    values[name] = p->type == ParameterType::Number && std::holds_alternative<long>(value)
                       ? ParameterValue(static_cast<double>(std::get<long>(value)))
                       : value;
  }
  for (const auto& p : spec.parameters) {
    if (values.count(p.name)) continue;
    if (p.required) throw Error("", spec.name + "." + p.name, "is required");
    values[p.name] = p.defaultValue;
  }
  return ParameterValues(std::move(values));
}

StageData runStage(const Stage& stage, const StageInputs& inputs, const std::map<std::string, ParameterValue>& given,
                   const Progress& progress) {
  const StageSpec& spec = stage.spec();
  const ParameterValues values = validateParameters(spec, given);
  for (const auto& in : spec.inputs) {
    const auto it = inputs.find(in.name);
    if (it == inputs.end()) {
      if (in.optional) continue;
      throw Error("", spec.name, std::string("needs input '") + in.name + "' (" + toString(in.kind) + ")");
    }
    if (it->second.kind() != in.kind)
      throw Error("", spec.name, "input '" + in.name + "' must be " + toString(in.kind) + ", got " + toString(it->second.kind()));
  }
  for (const auto& [name, data] : inputs) {
    const bool known = std::any_of(spec.inputs.begin(), spec.inputs.end(), [&](const InputSpec& s) { return s.name == name; });
    if (!known) throw Error("", spec.name, "has no input '" + name + "'");
  }
  StageData output;
  try {
    output = stage.run(inputs, values, progress);
  } catch (const Error& e) {
    if (!e.info().field.empty()) throw;
    throw Error(e.info().path, spec.name, e.info().reason);  // a cancel or a core error: name the stage
  }
  const bool present = (output.image ? 1 : 0) + (output.labels ? 1 : 0) + (output.table ? 1 : 0) == 1;
  if (!present || output.kind() != spec.output)
    throw Error("", spec.name,
                std::string("produced ") + (present ? toString(output.kind()) : "no single output") +
                    ", but its declaration says " + toString(spec.output) + " (a bug in the stage)");
  return output;
}

std::string describeStage(const StageSpec& spec) {
  std::ostringstream out;
  out << spec.name << " (" << toString(spec.category) << "): " << spec.summary << "\n\n";
  out << "Inputs:\n";
  for (const auto& in : spec.inputs)
    out << "  " << in.name << " (" << toString(in.kind) << (in.optional ? ", optional" : "") << ")  " << in.doc << "\n";
  out << "Output: " << toString(spec.output) << "\n\nParameters:\n";
  if (spec.parameters.empty()) out << "  (none)\n";
  for (const auto& p : spec.parameters) {
    out << "  " << p.name << "  " << toString(p.type);
    if (!p.unit.empty()) out << ", " << p.unit;
    if (p.required) out << ", required";
    else out << ", default " << formatParameterValue(p.defaultValue);
    if (p.type == ParameterType::Number || p.type == ParameterType::Integer)
      if (p.minimum > -1e300 || p.maximum < 1e300) out << ", range [" << formatLimit(p.minimum) << ", " << formatLimit(p.maximum) << "]";
    if (!p.choices.empty()) {
      out << ", one of:";
      for (const auto& c : p.choices) out << " " << c;
    }
    out << "\n      " << p.doc << "\n";
  }
  if (!spec.example.empty()) out << "\nExample step:\n" << spec.example << (spec.example.back() == '\n' ? "" : "\n");
  return out.str();
}

}  // namespace medpipe
