// medpipe schema: a JSON Schema (draft 2020-12) of pipeline configs, generated from the stage and
// output-format declarations, so editors (VS Code's YAML extension) complete and check configs.
// It follows what the config reader accepts (pipeline_config.cxx, config_validation.cxx).
#include <cmath>
#include <iostream>
#include <variant>

#include "cli_support.h"
#include "json_value.h"
#include "medpipe/cohort/cohort_tasks.h"
#include "medpipe/filters/stage.h"
#include "medpipe/pipeline/output_formats.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe::cli {
namespace {

// A value written as ${name}: its type is known only once the variable is expanded.
JsonValue variableReference() {
  return JsonValue::object()
      .set("type", JsonValue::string("string"))
      .set("pattern", JsonValue::string("\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}"))
      .set("description", JsonValue::string("a ${variable}, checked when it is expanded"));
}

// The YAML 1.1 boolean words (any case) that parseParameterText reads when a YAML 1.2 editor keeps them as text.
JsonValue booleanWords() {
  return JsonValue::object()
      .set("type", JsonValue::string("string"))
      .set("pattern",
           JsonValue::string("^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|[Oo][Nn]|[Oo][Ff][Ff])$"));
}

JsonValue pointList() {
  const JsonValue point = JsonValue::object()
                              .set("type", JsonValue::string("array"))
                              .set("items", JsonValue::object().set("type", JsonValue::string("number")))
                              .set("minItems", JsonValue::number(3))
                              .set("maxItems", JsonValue::number(3));
  return JsonValue::object()
      .set("type", JsonValue::string("array"))
      .set("items", point)
      .set("minItems", JsonValue::number(1));
}

// "x,y,z;x,y,z" or "voxel:i,j,k;...", as --set and parseParameterText take points.
JsonValue pointText() {
  const std::string n = "\\s*[-+]?[0-9.eE+-]+\\s*", p = n + "," + n + "," + n;
  return JsonValue::object()
      .set("type", JsonValue::string("string"))
      .set("pattern", JsonValue::string("^(voxel:)?" + p + "(;" + p + ")*$"));
}

std::string describe(const ParameterSpec& p) {
  std::string text = p.doc;
  if (!p.unit.empty()) text += " [" + p.unit + "]";
  if (p.required)
    text += " (required)";
  else
    text += " (default " + formatParameterValue(p.defaultValue) + ")";
  return text;
}

JsonValue parameterSchema(const ParameterSpec& p) {
  JsonValue typed = JsonValue::object();
  JsonValue choices = JsonValue::array();
  switch (p.type) {
    case ParameterType::Number:
    case ParameterType::Integer:
      typed.set("type", JsonValue::string(p.type == ParameterType::Integer ? "integer" : "number"));
      if (std::isfinite(p.minimum)) typed.set("minimum", JsonValue::number(p.minimum));
      if (std::isfinite(p.maximum)) typed.set("maximum", JsonValue::number(p.maximum));
      choices.add(typed).add(variableReference());
      break;
    case ParameterType::Boolean:
      typed.set("type", JsonValue::string("boolean"));
      choices.add(typed).add(booleanWords()).add(variableReference());
      break;
    case ParameterType::Choice:
      typed.set("enum", JsonValue::strings(p.choices));
      choices.add(typed).add(variableReference());
      break;
    case ParameterType::Text:  // checked by its own function at validation: any text here
      typed.set("type", JsonValue::string("string"));
      if (!p.allowedText.empty()) typed.set("description", JsonValue::string(p.allowedText));
      choices.add(typed);
      break;
    case ParameterType::Points:
      choices.add(pointList())
          .add(JsonValue::object()
                   .set("type", JsonValue::string("object"))
                   .set("properties", JsonValue::object().set("voxel", pointList()))
                   .set("required", JsonValue::strings({"voxel"}))
                   .set("additionalProperties", JsonValue::boolean(false)))
          .add(pointText());
      break;
  }
  JsonValue schema = JsonValue::object().set("description", JsonValue::string(describe(p))).set("anyOf", choices);
  // An unbounded default (a range left open: -inf) has no JSON number: it is said in the description.
  const bool finiteDefault =
      !std::holds_alternative<double>(p.defaultValue) || std::isfinite(std::get<double>(p.defaultValue));
  if (!p.required && p.type != ParameterType::Points && finiteDefault) {
    if (p.type == ParameterType::Boolean)
      schema.set("default", JsonValue::boolean(std::get<bool>(p.defaultValue)));
    else if (p.type == ParameterType::Choice || p.type == ParameterType::Text)
      schema.set("default", JsonValue::string(std::get<std::string>(p.defaultValue)));
    else if (p.type == ParameterType::Integer)
      schema.set("default", JsonValue::number(double(std::get<long>(p.defaultValue))));
    else
      schema.set("default", JsonValue::number(std::get<double>(p.defaultValue)));
  }
  return schema;
}

// `input:` is a step name (the stage's first input) or a mapping of the stage's inputs to step names.
JsonValue stepInputSchema(const StageSpec& spec) {
  JsonValue slots = JsonValue::object();
  std::vector<std::string> required;
  for (const auto& in : spec.inputs) {
    slots.set(in.name, JsonValue::object()
                           .set("type", JsonValue::string("string"))
                           .set("description", JsonValue::string(std::string(toString(in.kind)) + ": " + in.doc)));
    if (!in.optional) required.push_back(in.name);
  }
  JsonValue byName = JsonValue::object()
                         .set("type", JsonValue::string("object"))
                         .set("properties", slots)
                         .set("additionalProperties", JsonValue::boolean(false));
  if (!required.empty()) byName.set("required", JsonValue::strings(required));
  const std::string first = spec.inputs.empty() ? "" : spec.inputs.front().name;
  return JsonValue::object()
      .set("description",
           JsonValue::string("the step (or 'input') feeding '" + first + "', or a mapping of inputs to steps"))
      .set("anyOf", JsonValue::array().add(JsonValue::object().set("type", JsonValue::string("string"))).add(byName));
}

JsonValue stageSchema(const StageSpec& spec) {
  JsonValue properties = JsonValue::object();
  properties.set("stage", JsonValue::object().set("const", JsonValue::string(spec.name)));
  if (!spec.inputs.empty()) properties.set("input", stepInputSchema(spec));
  std::vector<std::string> required{"stage"};
  for (const auto& p : spec.parameters) {
    properties.set(p.name, parameterSchema(p));
    if (p.required) required.push_back(p.name);
  }
  return JsonValue::object()
      .set("title", JsonValue::string(spec.name))
      .set("description", JsonValue::string(spec.summary + " (" + toString(spec.output) + ")"))
      .set("type", JsonValue::string("object"))
      .set("properties", properties)
      .set("required", JsonValue::strings(required))
      .set("additionalProperties", JsonValue::boolean(false));
}

JsonValue stepSchema() {
  JsonValue oneOf = JsonValue::array();
  std::vector<std::string> names;
  for (const Stage* stage : allStages()) {
    names.push_back(stage->spec().name);
    oneOf.add(JsonValue::object().set("$ref", JsonValue::string("#/$defs/stages/" + stage->spec().name)));
  }
  return JsonValue::object()
      .set("type", JsonValue::string("object"))
      .set("properties",
           JsonValue::object().set("stage", JsonValue::object()
                                                .set("description", JsonValue::string("medpipe stages lists them"))
                                                .set("enum", JsonValue::strings(names))))
      .set("required", JsonValue::strings({"stage"}))
      .set("oneOf", oneOf);
}

JsonValue fileSchema(const std::string& pattern, const std::string& description) {
  return JsonValue::object()
      .set("type", JsonValue::string("string"))
      .set("pattern", JsonValue::string(pattern))
      .set("description", JsonValue::string(description));
}

// The outputs list: a plain file (the extension says the format) or a `format:` with its options.
JsonValue outputsSchema() {
  const JsonValue step = JsonValue::object()
                             .set("type", JsonValue::string("string"))
                             .set("description", JsonValue::string("a step name, or 'input'"));
  JsonValue choices = JsonValue::array();
  choices.add(
      JsonValue::object()
          .set("title", JsonValue::string("image or table file"))
          .set("type", JsonValue::string("object"))
          .set("properties",
               JsonValue::object()
                   .set("step", step)
                   .set("file", fileSchema("\\.(nii\\.gz|nii|nrrd|mha|csv|json)$",
                                           "images and label maps: .nii.gz .nii .nrrd .mha; tables: .csv .json")))
          .set("required", JsonValue::strings({"step", "file"}))
          .set("additionalProperties", JsonValue::boolean(false)));
  for (const auto& name : outputFormatNames()) {
    const OutputFormat* format = findOutputFormat(name);
    JsonValue properties = JsonValue::object();
    properties.set("step", step)
        .set("file", format->extension.empty()
                         ? JsonValue::object().set("type", JsonValue::string("string"))
                         : fileSchema("\\" + format->extension + "$", "a " + format->extension + " file"))
        .set("format", JsonValue::object().set("const", JsonValue::string(name)))
        .set("over",
             JsonValue::object()
                 .set("type", JsonValue::string("string"))
                 .set("description", JsonValue::string("the image a label map is drawn over (default: input)")));
    for (const auto& option : format->options) properties.set(option.name, parameterSchema(option));
    choices.add(JsonValue::object()
                    .set("title", JsonValue::string(name + " output"))
                    .set("type", JsonValue::string("object"))
                    .set("properties", properties)
                    .set("required", JsonValue::strings({"step", "file", "format"}))
                    .set("additionalProperties", JsonValue::boolean(false)));
  }
  return JsonValue::object()
      .set("type", JsonValue::string("array"))
      .set("items", JsonValue::object().set("oneOf", choices));
}

// From the one declaration of the input keys (pipelineInputKeys); `rois` also takes a YAML list.
JsonValue inputSchema() {
  const JsonValue text = JsonValue::object().set("type", JsonValue::string("string"));
  JsonValue properties = JsonValue::object();
  for (const auto& key : pipelineInputKeys()) {
    JsonValue property = JsonValue::object().set("description", JsonValue::string(key.doc));
    if (key.name == "rois")
      property.set("anyOf", JsonValue::array().add(text).add(
                                JsonValue::object().set("type", JsonValue::string("array")).set("items", text)));
    else
      property.set("type", JsonValue::string("string"));
    properties.set(key.name, property);
  }
  return JsonValue::object()
      .set("description", JsonValue::string("DICOM folder, PACS export root or image file (or give --input)"))
      .set("anyOf", JsonValue::array().add(text).add(JsonValue::object()
                                                         .set("type", JsonValue::string("object"))
                                                         .set("properties", properties)
                                                         .set("additionalProperties", JsonValue::boolean(false))));
}

// cohort: {outliers: {...}, ...}: each command's options from medpipe::cohort's declarations; columns may be a list.
JsonValue cohortSchema() {
  JsonValue commands = JsonValue::object();
  for (const auto& command : cohort::miningCommands()) {
    JsonValue properties = JsonValue::object();
    std::vector<std::string> required;
    for (const auto& spec : command.options) {
      if (spec.name == "columns")
        properties.set(spec.name, JsonValue::object()
                                      .set("description", JsonValue::string(spec.doc))
                                      .set("type", JsonValue::strings({"string", "array"}))
                                      .set("items", JsonValue::object().set("type", JsonValue::string("string"))));
      else if (command.name == "cluster" && spec.name == "k")  // auto, or a whole number as YAML reads it
        properties.set(spec.name, JsonValue::object()
                                      .set("description", JsonValue::string(spec.doc))
                                      .set("anyOf", JsonValue::array()
                                                        .add(JsonValue::object().set("enum", JsonValue::strings({"auto"})))
                                                        .add(JsonValue::object()
                                                                 .set("type", JsonValue::string("integer"))
                                                                 .set("minimum", JsonValue::number(2))
                                                                 .set("maximum", JsonValue::number(100)))));
      else
        properties.set(spec.name, parameterSchema(spec));
      if (spec.required) required.push_back(spec.name);
    }
    JsonValue options = JsonValue::object()
                            .set("description", JsonValue::string(command.summary))
                            .set("type", JsonValue::strings({"object", "null"}))
                            .set("properties", properties)
                            .set("additionalProperties", JsonValue::boolean(false));
    if (!required.empty()) options.set("required", JsonValue::strings(required));
    commands.set(command.name, options);
  }
  return JsonValue::object()
      .set("description", JsonValue::string("mining the cohort database after the batch (docs/cohort.md)"))
      .set("type", JsonValue::strings({"object", "null"}))
      .set("properties", commands)
      .set("additionalProperties", JsonValue::boolean(false));
}

JsonValue configSchema() {
  JsonValue stages = JsonValue::object();
  for (const Stage* stage : allStages()) stages.set(stage->spec().name, stageSchema(stage->spec()));
  const JsonValue scalar = JsonValue::object().set("type", JsonValue::strings({"string", "number", "boolean"}));
  return JsonValue::object()
      .set("$schema", JsonValue::string("https://json-schema.org/draft/2020-12/schema"))
      .set("title", JsonValue::string("medpipe pipeline config"))
      .set("type", JsonValue::string("object"))
      .set(
          "properties",
          JsonValue::object()
              .set("input", inputSchema())
              .set("variables", JsonValue::object()
                                    .set("type", JsonValue::strings({"object", "null"}))
                                    .set("additionalProperties", scalar))
              .set("steps",
                   JsonValue::object()
                       .set("type", JsonValue::strings({"object", "null"}))
                       .set("propertyNames", JsonValue::object().set(
                                                 "not", JsonValue::object().set("const", JsonValue::string("input"))))
                       .set("additionalProperties", JsonValue::object().set("$ref", JsonValue::string("#/$defs/step"))))
              .set("outputs", outputsSchema())
              .set("cohort", cohortSchema()))
      .set("additionalProperties", JsonValue::boolean(false))
      .set("$defs", JsonValue::object().set("step", stepSchema()).set("stages", stages));
}

}  // namespace

int runSchema(const Args& args) {
  CommandLine line;
  line.usage = "medpipe schema   (e.g. medpipe schema > medpipe.schema.json; see docs/schema.md)";
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("schema", [&] {
    std::cout << configSchema().str() << "\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
