#include "slicer_module.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "medpipe/core/version.h"

namespace medpipe::cli {
namespace {

// Slicer's widgets hold 32-bit integers and finite doubles; wider declared ranges are clamped.
constexpr double kSlicerIntegerLimit = 2147483647.0;
constexpr double kSlicerNumberLimit = 1e9;

std::string escapeXml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// "inside-value" -> "Inside value": what Slicer shows beside the widget.
std::string labelOf(const std::string& kebabName) {
  std::string label = kebabName;
  std::replace(label.begin(), label.end(), '-', ' ');
  if (!label.empty()) label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
  return label;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

// Decimal places needed to write `value` exactly (up to 6), so the spin box step can reach it.
int decimalsOf(double value) {
  for (int d = 0; d < 6; ++d) {
    const double scaled = value * std::pow(10.0, d);
    if (std::abs(scaled - std::round(scaled)) < 1e-9 * std::max(1.0, std::abs(scaled))) return d;
  }
  return 6;
}

// Slicer's constraints need all of minimum, maximum and step.
std::string constraints(const ParameterSpec& p) {
  const bool integer = p.type == ParameterType::Integer;
  const double limit = integer ? kSlicerIntegerLimit : kSlicerNumberLimit;
  const double lo = std::max(p.minimum, -limit), hi = std::min(p.maximum, limit);
  double step = 1;
  if (!integer) {
    int decimals = 1;
    for (const double v : {lo, hi, std::get<double>(p.defaultValue)}) decimals = std::max(decimals, decimalsOf(v));
    step = std::pow(10.0, -decimals);
  }
  return "      <constraints><minimum>" + number(lo) + "</minimum><maximum>" + number(hi) + "</maximum><step>" +
         number(step) + "</step></constraints>\n";
}

std::string describe(const ParameterSpec& p) {
  std::string text = p.doc;
  if (!p.unit.empty()) text += " [" + p.unit + "]";
  return text;
}

void writeParameter(std::ostringstream& out, const ParameterSpec& p) {
  const std::string id = slicerIdentifier(p.name);
  const char* tag = "double";
  std::string attributes;
  switch (p.type) {
    case ParameterType::Number:
      tag = "double";
      break;
    case ParameterType::Integer:
      tag = "integer";
      break;
    case ParameterType::Boolean:
      tag = "boolean";
      break;
    case ParameterType::Choice:
      tag = "string-enumeration";
      break;
    case ParameterType::Text:
      tag = "string";
      break;
    // Slicer passes each markup point as its own --flag x,y,z, converted to LPS as medpipe expects.
    case ParameterType::Points:
      tag = "point", attributes = " multiple=\"true\" coordinateSystem=\"lps\"";
      break;
  }
  out << "    <" << tag << attributes << ">\n";
  out << "      <name>" << id << "</name>\n";
  out << "      <longflag>--" << id << "</longflag>\n";
  out << "      <label>" << escapeXml(labelOf(p.name)) << "</label>\n";
  out << "      <description>" << escapeXml(describe(p)) << "</description>\n";
  if (!p.required) out << "      <default>" << escapeXml(formatParameterValue(p.defaultValue)) << "</default>\n";
  if (p.type == ParameterType::Number || p.type == ParameterType::Integer) out << constraints(p);
  for (const auto& choice : p.choices) out << "      <element>" << escapeXml(choice) << "</element>\n";
  out << "    </" << tag << ">\n";
}

void writeFile(std::ostringstream& out, const SlicerFileArgument& file, size_t index) {
  const bool output = file.input == nullptr;
  const std::string doc = output ? std::string("the result (") + toString(file.kind) + ")" : file.input->doc;
  if (file.kind == DataKind::Table) {
    out << "    <table fileExtensions=\".csv\">\n";
  } else {
    out << "    <image type=\"" << (file.kind == DataKind::Labels ? "label" : "scalar")
        << "\" fileExtensions=\".nrrd,.nii.gz\">\n";
  }
  out << "      <name>" << slicerIdentifier(file.name) << "</name>\n";
  out << "      <label>" << escapeXml(labelOf(file.name) + (file.optional ? " (optional)" : "")) << "</label>\n";
  out << "      <description>" << escapeXml(doc) << "</description>\n";
  out << "      <channel>" << (output ? "output" : "input") << "</channel>\n";
  out << "      <index>" << index << "</index>\n";
  out << "    </" << (file.kind == DataKind::Table ? "table" : "image") << ">\n";
}

std::string capitalised(std::string word) {
  if (!word.empty()) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

}  // namespace

std::vector<SlicerFileArgument> slicerFileArguments(const StageSpec& spec) {
  std::vector<SlicerFileArgument> files;
  for (const auto& in : spec.inputs)
    if (!in.optional) files.push_back({in.name, &in, in.kind, false});
  files.push_back({"output", nullptr, spec.output, false});
  for (const auto& in : spec.inputs)
    if (in.optional) files.push_back({in.name, &in, in.kind, true});
  return files;
}

std::string slicerIdentifier(const std::string& kebabName) {
  std::string id = kebabName;
  std::replace(id.begin(), id.end(), '-', '_');
  return id;
}

std::string slicerModuleXml(const StageSpec& spec) {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<executable>\n";
  out << "  <category>medpipe." << escapeXml(capitalised(toString(spec.category))) << "</category>\n";
  out << "  <title>" << escapeXml(labelOf(spec.name)) << " (medpipe)</title>\n";
  out << "  <description>"
      << escapeXml(spec.summary + ". The medpipe stage '" + spec.name + "' (docs/stages.md); in a pipeline config:\n" +
                   spec.example)
      << "</description>\n";
  out << "  <version>" << escapeXml(medpipeVersion()) << "</version>\n";
  out << "  <documentation-url></documentation-url>\n";  // medpipe has no web home; docs/stages.md has every stage
  out << "  <license>see the medpipe distribution</license>\n";
  out << "  <contributor>medpipe</contributor>\n";
  out << "  <parameters>\n    <label>Input and output</label>\n    <description>Volumes in and out</description>\n";
  const auto files = slicerFileArguments(spec);
  for (size_t i = 0; i < files.size(); ++i) writeFile(out, files[i], i);
  out << "  </parameters>\n";
  if (!spec.parameters.empty()) {
    out << "  <parameters>\n    <label>Parameters</label>\n    <description>" << escapeXml("Parameters of " + spec.name)
        << "</description>\n";
    for (const auto& p : spec.parameters) writeParameter(out, p);
    out << "  </parameters>\n";
  }
  out << "</executable>\n";
  return out.str();
}

}  // namespace medpipe::cli
