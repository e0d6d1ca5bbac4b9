#pragma once
// The stage contract: a stage declares its inputs and parameters once (name, type, unit, default,
// range, doc); validation, `medpipe stages` and docs/stages.md all come from that declaration.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/filters/label_table.h"
#include "medpipe/filters/parameters.h"

namespace medpipe {

// What flows between stages.
enum class DataKind { Image, Labels, Table };
const char* toString(DataKind kind);

struct StageData {
  ImageF::Pointer image;                      // DataKind::Image
  LabelImage::Pointer labels;                 // DataKind::Labels (a mask is a label map: non-zero = inside)
  std::shared_ptr<const LabelTable> table;    // DataKind::Table
  DataKind kind() const;
};

// The groups of `medpipe stages` and docs/stages.md; kStageCategories lists them in that order.
enum class StageCategory { Denoise, Segment, Utility, Measure };
inline constexpr StageCategory kStageCategories[] = {StageCategory::Denoise, StageCategory::Segment,
                                                     StageCategory::Utility, StageCategory::Measure};
const char* toString(StageCategory category);

struct InputSpec {
  std::string name;  // "image", "labels", "mask", ...
  DataKind kind = DataKind::Image;
  std::string doc;
  bool optional = false;
};

struct StageSpec {
  std::string name;      // kebab-case, as ITK/Slicer users would guess it: "median", "otsu-threshold"
  StageCategory category = StageCategory::Utility;
  std::string summary;   // one line
  std::vector<InputSpec> inputs;
  DataKind output = DataKind::Image;
  std::vector<ParameterSpec> parameters;
  std::string example;   // a config step, YAML
};

using StageInputs = std::map<std::string, StageData>;

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const StageSpec& spec() const = 0;
  // Inputs are checked against spec().inputs and parameters validated before this is called.
  virtual StageData run(const StageInputs& inputs, const ParameterValues& parameters, const Progress& progress) const = 0;
};

// The registry of every built-in stage (registered on first use). registerStage adds another one
// (before any pipeline runs); a name already taken is a medpipe::Error naming it.
void registerStage(std::unique_ptr<Stage> stage);
const Stage& findStage(const std::string& name);  // throws medpipe::Error with a did-you-mean
std::vector<const Stage*> allStages();            // sorted by name

// Checks names, types and ranges (errors name "<stage>.<param>" and what is allowed) and fills defaults.
ParameterValues validateParameters(const StageSpec& spec, const std::map<std::string, ParameterValue>& given);

// Validates parameters and inputs, runs the stage, and checks that it produced what its spec
// declares (a stage that does not is a bug: medpipe::Error naming the stage).
StageData runStage(const Stage& stage, const StageInputs& inputs, const std::map<std::string, ParameterValue>& given,
                   const Progress& progress = Progress());

// Human-readable documentation of one stage (used by `medpipe stages NAME` and docs/stages.md).
std::string describeStage(const StageSpec& spec);

}  // namespace medpipe

// One registration line per stage file src/stages/<file>.cxx: MEDPIPE_REGISTER_STAGE(<file>, ClassName)
namespace medpipe::detail {
void registerBuiltinStage(std::unique_ptr<Stage> stage);  // registerStage without loading the built-ins first
}
#define MEDPIPE_REGISTER_STAGE(file, StageClass) \
  void medpipe_register_##file() { ::medpipe::detail::registerBuiltinStage(std::make_unique<StageClass>()); }
