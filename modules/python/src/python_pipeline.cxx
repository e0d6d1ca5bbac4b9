// stages, run_stage and run_pipeline of the Python module.
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <mutex>

#include "medpipe/core/error.h"
#include "medpipe/pipeline/batch_runner.h"
#include "python_volume.h"

namespace medpipe::python {

namespace {

namespace fs = std::filesystem;

py::object valueToPython(const ParameterValue& value) {
  struct Visitor {
    py::object operator()(double v) const { return py::float_(v); }
    py::object operator()(long v) const { return py::int_(v); }
    py::object operator()(bool v) const { return py::bool_(v); }
    py::object operator()(const std::string& v) const { return py::str(v); }
    py::object operator()(const Points& v) const {
      py::list points;
      for (const auto& p : v.points) points.append(py::make_tuple(p[0], p[1], p[2]));
      return points;
    }
  };
  return std::visit(Visitor{}, value);
}

py::dict describe(const StageSpec& spec) {
  py::list inputs, parameters;
  for (const auto& in : spec.inputs)
    inputs.append(py::dict(py::arg("name") = in.name, py::arg("kind") = toString(in.kind), py::arg("doc") = in.doc,
                           py::arg("optional") = in.optional));
  for (const auto& p : spec.parameters) {
    py::dict d(py::arg("name") = p.name, py::arg("type") = toString(p.type), py::arg("unit") = p.unit,
               py::arg("doc") = p.doc, py::arg("required") = p.required);
    d["default"] = p.required ? py::none() : valueToPython(p.defaultValue);
    if (p.type == ParameterType::Number || p.type == ParameterType::Integer)
      d["minimum"] = p.minimum, d["maximum"] = p.maximum;
    if (p.type == ParameterType::Choice) d["choices"] = p.choices;
    parameters.append(d);
  }
  return py::dict(py::arg("name") = spec.name, py::arg("category") = std::string(toString(spec.category)), py::arg("summary") = spec.summary,
                  py::arg("inputs") = inputs, py::arg("output") = toString(spec.output),
                  py::arg("parameters") = parameters, py::arg("example") = spec.example);
}

py::list stages() {
  py::list all;
  for (const Stage* stage : allStages()) all.append(describe(stage->spec()));
  return all;
}

// A keyword argument as the stage's parameter: Python's bool, int, float, str and point lists.
ParameterValue toParameter(const StageSpec& spec, const ParameterSpec& p, const py::handle& value) {
  if (py::isinstance<py::str>(value)) return parseParameterText(spec.name, p, value.cast<std::string>());
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>();  // before int: bool is an int in Python
  if (py::isinstance<py::int_>(value)) return value.cast<long>();
  if (py::isinstance<py::float_>(value)) {
    const double v = value.cast<double>();
    if (p.type == ParameterType::Integer && v == static_cast<double>(static_cast<long>(v))) return static_cast<long>(v);
    return v;
  }
  if (p.type == ParameterType::Points) {
    Points points;
    for (const auto& point : value) {
      const auto xyz = point.cast<std::vector<double>>();
      if (xyz.size() != 3) throw Error("", spec.name + "." + p.name, "a point is 3 numbers (x, y, z in mm, LPS)");
      points.points.push_back({xyz[0], xyz[1], xyz[2]});
    }
    return points;
  }
  throw Error("", spec.name + "." + p.name,
              std::string("expected a ") + toString(p.type) + ", got " +
                  py::str(value.get_type().attr("__name__")).cast<std::string>());
}

py::object runStagePython(const std::string& name, const py::object& inputs, const py::kwargs& kwargs) {
  const Stage& stage = findStage(name);
  const StageSpec& spec = stage.spec();
  std::map<std::string, ParameterValue> given;
  for (const auto& [key, value] : kwargs) {
    std::string parameter = key.cast<std::string>();
    std::replace(parameter.begin(), parameter.end(), '_', '-');  // inside_value= -> inside-value
    const auto p = std::find_if(spec.parameters.begin(), spec.parameters.end(),
                                [&](const ParameterSpec& s) { return s.name == parameter; });
    given[parameter] = p == spec.parameters.end() ? ParameterValue(0.0) : toParameter(spec, *p, value);
  }
  StageInputs data;
  auto kindOf = [&](const std::string& slot) {
    for (const auto& in : spec.inputs)
      if (in.name == slot) return in.kind;
    throw Error("", spec.name, "has no input '" + slot + "'");
  };
  if (py::isinstance<Volume>(inputs)) {
    if (spec.inputs.empty()) throw Error("", spec.name, "takes no input");
    data[spec.inputs.front().name] = toStageData(inputs.cast<const Volume&>(), spec.inputs.front().kind);
  } else if (py::isinstance<py::dict>(inputs)) {
    for (const auto& [slot, volume] : inputs.cast<py::dict>()) {
      const std::string s = slot.cast<std::string>();
      data[s] = toStageData(volume.cast<const Volume&>(), kindOf(s));
    }
  } else {
    throw Error("", "inputs", "give a Volume (the stage's first input) or a dict {input name: Volume}");
  }
  StageData result;
  {
    py::gil_scoped_release release;
    result = runStage(stage, data, given);
  }
  switch (result.kind()) {
    case DataKind::Image:
      return py::cast(toVolume(result.image));
    case DataKind::Labels:
      return py::cast(toVolume(result.labels));
    case DataKind::Table:
      return toDict(*result.table);
  }
  return py::none();
}

// The Python callback runs on the pipeline's threads with the GIL taken; an exception it raises
// cancels the run and is raised again once the run has stopped.
struct ProgressRelay {
  py::object callback;
  Progress* cancel = nullptr;
  std::mutex mutex;
  std::exception_ptr raised;

  void operator()(size_t index, size_t count, const std::string& step, double fraction) {
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C in the interpreter
      if (!callback.is_none()) callback(index, count, step, fraction);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!raised) raised = std::current_exception();
      cancel->cancel();
    }
  }
};

py::list runPipelinePython(const fs::path& config, const std::string& input, const fs::path& output,
                           const py::object& progress, bool force, const std::vector<std::string>& set,
                           const std::map<std::string, std::string>& variables, int jobs, bool raiseOnFailure) {
  if (jobs < 1) throw Error("", "jobs", "must be at least 1");
  std::map<std::string, std::string> builtins = variables;
  builtins["output_dir"] = output.string();
  builtins["config_dir"] = fs::absolute(config).parent_path().string();
  if (!input.empty()) builtins["input_dir"] = input;
  PipelineConfig pipeline = loadPipelineConfig(config.string(), set, builtins);
  if (!input.empty()) pipeline.inputPath = input;
  const PipelinePlan plan = planPipeline(pipeline);
  if (!plan.ok()) {
    std::string all;
    for (const auto& p : plan.problems) all += (all.empty() ? "" : "\n") + p.str();
    throw Error(config.string(), "", std::to_string(plan.problems.size()) + " problem(s) in the config:\n" + all);
  }
  Progress cancel;
  ProgressRelay relay{progress, &cancel, {}, {}};
  BatchOptions options;
  options.outputFolder = output;
  options.jobs = jobs;
  options.run.force = force;
  options.run.cancel = &cancel;
  options.run.onProgress = [&relay](size_t i, size_t n, const std::string& step, double f) { relay(i, n, step, f); };
  std::vector<UnitOutcome> outcomes;
  {
    py::gil_scoped_release release;
    const auto units = planWorkUnits(pipeline);
    outcomes = runBatch(pipeline, plan, units, options);
  }
  if (relay.raised) std::rethrow_exception(relay.raised);
  py::list result;
  for (const auto& o : outcomes) {
    std::vector<std::string> files;
    for (const auto& f : o.report.outputs) files.push_back(f.string());
    result.append(py::dict(py::arg("id") = o.id, py::arg("description") = o.description, py::arg("ok") = o.ok,
                           py::arg("skipped") = o.skipped, py::arg("error") = o.error, py::arg("seconds") = o.seconds,
                           py::arg("output_folder") = o.report.outputFolder.string(), py::arg("outputs") = files));
    if (!o.ok && raiseOnFailure) throw Error(o.id, "", o.error);
  }
  return result;
}

}  // namespace

void bindPipeline(py::module_& m) {
  m.def("stages", &stages, "Every stage with its inputs, output and parameter specs (as `medpipe stages` lists them).");
  m.def("run_stage", &runStagePython, py::arg("name"), py::arg("inputs"),
        "Runs one stage: inputs is a Volume (the first input) or {input name: Volume}; parameters as keywords "
        "(inside_value=3 for inside-value). Returns a Volume, or a table as {column: [values]}.");
  m.def("run_pipeline", &runPipelinePython, py::arg("config"), py::arg("input") = "",
        py::arg("output") = "medpipe-output", py::arg("progress") = py::none(), py::arg("force") = false,
        py::arg("set") = std::vector<std::string>{}, py::arg("variables") = std::map<std::string, std::string>{},
        py::arg("jobs") = 1, py::arg("raise_on_failure") = true,
        "Runs a pipeline config as `medpipe run` does; progress(step_index, step_count, step, fraction) is called as "
        "steps start (fraction < 0) and advance. Returns one dict per unit.");
}

}  // namespace medpipe::python
