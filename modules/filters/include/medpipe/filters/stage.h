#pragma once
// The stage contract: a stage declares its parameters once (name, unit, default, range, doc);
// validation, the CLI's `stages` listing and the docs all come from that declaration.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

struct ParameterSpec {
  std::string name;      // kebab-case, e.g. "sigma"
  std::string unit;      // "mm", "HU", "" ...
  double defaultValue = 0;
  double minimum = 0;
  double maximum = 0;
  std::string doc;
};

struct StageSpec {
  std::string name;     // kebab-case, e.g. "gaussian"
  std::string summary;  // one line
  std::vector<ParameterSpec> parameters;
};

using ParameterValues = std::map<std::string, double>;

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const StageSpec& spec() const = 0;
  // `parameters` has already been validated and completed with defaults.
  virtual ImageF::Pointer run(const ImageF& input, const ParameterValues& parameters, const Progress& progress) const = 0;
};

// Registry of every stage linked into the program.
void registerStage(std::unique_ptr<Stage> stage);
const Stage& findStage(const std::string& name);  // throws medpipe::Error, suggesting the closest name
std::vector<const Stage*> allStages();

// Checks names and ranges (every error names the stage and the parameter) and fills in defaults.
ParameterValues validateParameters(const StageSpec& spec, const ParameterValues& given);

// The closest of `candidates` to `word` by edit distance, or "" when none is close.
std::string closestName(const std::string& word, const std::vector<std::string>& candidates);

// Registers a stage type at static-initialisation time: one line per stage.
template <typename TStage>
struct StageRegistration {
  StageRegistration() { registerStage(std::make_unique<TStage>()); }
};

// Stages live in a static library: this keeps their registration objects from being dropped.
void linkBuiltinStages();

}  // namespace medpipe
