#pragma once
// Typed stage parameters: declared once per stage, validated before any work.
#include <array>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace medpipe {

// Seed points: physical coordinates in mm (LPS, as ITK) unless `voxelIndices` is set.
struct Points {
  std::vector<std::array<double, 3>> points;
  bool voxelIndices = false;
};

using ParameterValue = std::variant<double, long, bool, std::string, Points>;

// Text: free text, optionally checked by ParameterSpec::check (a picture size, a camera view).
enum class ParameterType { Number, Integer, Boolean, Choice, Points, Text };
const char* toString(ParameterType type);

struct ParameterSpec {
  std::string name;  // kebab-case
  ParameterType type = ParameterType::Number;
  std::string unit;  // "mm", "HU", "voxels", "" ...
  std::string doc;
  ParameterValue defaultValue = 0.0;  // ignored when required
  bool required = false;
  double minimum = -std::numeric_limits<double>::infinity();
  double maximum = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // for Choice
  std::string allowedText;           // for Text: what the value may be, for docs and messages ("WIDTHxHEIGHT")
  // For Text: throws medpipe::Error when the value is not allowed (its reason is reported).
  std::function<void(const std::string&)> check;

  // Shorthands for stage declarations.
  static ParameterSpec number(std::string name, double value, double lo, double hi, std::string unit, std::string doc);
  static ParameterSpec integer(std::string name, long value, long lo, long hi, std::string doc);
  static ParameterSpec flag(std::string name, bool value, std::string doc);
  static ParameterSpec choice(std::string name, std::string value, std::vector<std::string> choices, std::string doc);
  static ParameterSpec points(std::string name, std::string doc);  // required seed list
  static ParameterSpec text(std::string name, std::string value, std::string allowed, std::string doc,
                            std::function<void(const std::string&)> check = {});
};

// Validated values with every default filled in; accessors throw on a wrong type (a bug).
class ParameterValues {
 public:
  ParameterValues() = default;
  explicit ParameterValues(std::map<std::string, ParameterValue> values) : values_(std::move(values)) {}
  double number(const std::string& name) const;
  long integer(const std::string& name) const;
  bool flag(const std::string& name) const;
  const std::string& choice(const std::string& name) const;
  const std::string& text(const std::string& name) const;
  const Points& points(const std::string& name) const;
  const std::map<std::string, ParameterValue>& all() const { return values_; }

 private:
  std::map<std::string, ParameterValue> values_;
};

// Parses command-line or config text for one parameter: numbers, integers, booleans as YAML 1.1
// writes them (true/false, yes/no, on/off, in any case), a choice, text, or points as
// "x,y,z;x,y,z" (mm) or "voxel:i,j,k;...". Throws medpipe::Error naming owner.param.
ParameterValue parseParameterText(const std::string& owner, const ParameterSpec& spec, const std::string& text);

// Checks one value against its declaration: type, range, choices, points present, the Text check.
// Throws medpipe::Error naming owner.param and what is allowed.
void validateParameter(const std::string& owner, const ParameterSpec& spec, const ParameterValue& value);

// What a parameter accepts, in words: "16 .. 4096", "ct-bone, mip", "true or false", the Text's allowedText.
std::string allowedValues(const ParameterSpec& spec);

// The Markdown table of parameters used by docs/stages.md and docs/outputs.md.
std::string parameterTableMarkdown(const std::vector<ParameterSpec>& parameters, const std::string& firstColumn);

// Renders a value the way parseParameterText reads it.
std::string formatParameterValue(const ParameterValue& value);

// The closest of `candidates` to `word` by edit distance, or "" when none is close.
std::string closestName(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace medpipe
