#include "medpipe/filters/parameters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "medpipe/core/error.h"

namespace medpipe {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
// transpositions ("medain" -> "median") each cost 1, as typos do.
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

template <typename T>
const T& get(const std::map<std::string, ParameterValue>& values, const std::string& name) {
  const auto it = values.find(name);
  if (it == values.end()) throw Error("", name, "no such parameter");
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  throw Error("", name, "parameter has another type");
}

double parseNumber(const std::string& where, const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error("", where, "'" + text + "' is not a number");
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string markdownCell(std::string text) {
  for (size_t i = 0; (i = text.find('|', i)) != std::string::npos; i += 2) text.replace(i, 1, "\\|");
  return text;
}

}  // namespace

const char* toString(ParameterType type) {
  switch (type) {
    case ParameterType::Number: return "number";
    case ParameterType::Integer: return "integer";
    case ParameterType::Boolean: return "boolean";
    case ParameterType::Choice: return "choice";
    case ParameterType::Points: return "points";
    case ParameterType::Text: return "text";
  }
  return "?";
}

ParameterSpec ParameterSpec::number(std::string name, double value, double lo, double hi, std::string unit, std::string doc) {
  ParameterSpec p;
  p.name = std::move(name), p.type = ParameterType::Number, p.defaultValue = value;
  p.minimum = lo, p.maximum = hi, p.unit = std::move(unit), p.doc = std::move(doc);
  return p;
}

ParameterSpec ParameterSpec::integer(std::string name, long value, long lo, long hi, std::string doc) {
  ParameterSpec p;
  p.name = std::move(name), p.type = ParameterType::Integer, p.defaultValue = value;
  p.minimum = static_cast<double>(lo), p.maximum = static_cast<double>(hi), p.doc = std::move(doc);
  return p;
}

ParameterSpec ParameterSpec::flag(std::string name, bool value, std::string doc) {
  ParameterSpec p;
  p.name = std::move(name), p.type = ParameterType::Boolean, p.defaultValue = value, p.doc = std::move(doc);
  return p;
}

ParameterSpec ParameterSpec::choice(std::string name, std::string value, std::vector<std::string> choices, std::string doc) {
  ParameterSpec p;
  p.name = std::move(name), p.type = ParameterType::Choice, p.defaultValue = std::move(value);
  p.choices = std::move(choices), p.doc = std::move(doc);
  return p;
}

ParameterSpec ParameterSpec::points(std::string name, std::string doc) {
  ParameterSpec p;
  p.name = std::move(name), p.type = ParameterType::Points, p.defaultValue = Points{}, p.required = true;
  p.doc = std::move(doc);
  return p;
}

ParameterSpec ParameterSpec::text(std::string name, std::string value, std::string allowed, std::string doc,
                                  std::function<void(const std::string&)> check) {
  ParameterSpec p;
  p.name = std::move(name), p.type = ParameterType::Text, p.defaultValue = std::move(value);
  p.allowedText = std::move(allowed), p.doc = std::move(doc), p.check = std::move(check);
  return p;
}

double ParameterValues::number(const std::string& name) const { return get<double>(values_, name); }
long ParameterValues::integer(const std::string& name) const { return get<long>(values_, name); }
bool ParameterValues::flag(const std::string& name) const { return get<bool>(values_, name); }
const std::string& ParameterValues::choice(const std::string& name) const { return get<std::string>(values_, name); }
const std::string& ParameterValues::text(const std::string& name) const { return get<std::string>(values_, name); }
const Points& ParameterValues::points(const std::string& name) const { return get<Points>(values_, name); }

std::string closestName(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = editDistance(word, c);
    if (d < bestDistance) best = c, bestDistance = d;
  }
  return best;
}

ParameterValue parseParameterText(const std::string& owner, const ParameterSpec& spec, const std::string& text) {
  const std::string where = owner + "." + spec.name;
  switch (spec.type) {
    case ParameterType::Number: return parseNumber(where, text);
    case ParameterType::Integer: {
      const double v = parseNumber(where, text);
      if (v != std::floor(v)) throw Error("", where, "'" + text + "' is not a whole number");
      return static_cast<long>(v);
    }
    case ParameterType::Boolean: {
      // YAML 1.1 booleans, as yaml-cpp and PyYAML read them: `deidentify: Yes` must not mean false.
      const std::string word = lowercase(text);
      if (word == "true" || word == "yes" || word == "on") return true;
      if (word == "false" || word == "no" || word == "off") return false;
      throw Error("", where, "'" + text + "' is not " + allowedValues(spec));
    }
    case ParameterType::Choice:
    case ParameterType::Text: return text;
    case ParameterType::Points: {
      Points points;
      std::string list = text;
      if (list.rfind("voxel:", 0) == 0) points.voxelIndices = true, list = list.substr(6);
      std::stringstream all(list);
      std::string one;
      while (std::getline(all, one, ';')) {
        std::array<double, 3> p{};
        std::stringstream coords(one);
        std::string c;
        size_t n = 0;
        while (std::getline(coords, c, ',')) {
          if (n == 3) throw Error("", where, "a point has more than 3 coordinates: '" + one + "'");
          p[n++] = parseNumber(where, c);
        }
        if (n != 3) throw Error("", where, "a point needs 3 coordinates: '" + one + "'");
        points.points.push_back(p);
      }
      return points;
    }
  }
  return text;
}

void validateParameter(const std::string& owner, const ParameterSpec& p, const ParameterValue& value) {
  const std::string where = owner + "." + p.name;
  auto expect = [&](bool ok) {
    if (!ok) throw Error("", where, std::string("expected a ") + toString(p.type) + ", got '" + formatParameterValue(value) + "'");
  };
  double number = 0;
  switch (p.type) {
    case ParameterType::Number:
      if (const long* i = std::get_if<long>(&value)) number = static_cast<double>(*i);
      else expect(std::holds_alternative<double>(value)), number = std::get<double>(value);
      break;
    case ParameterType::Integer: expect(std::holds_alternative<long>(value)); number = static_cast<double>(std::get<long>(value)); break;
    case ParameterType::Boolean: expect(std::holds_alternative<bool>(value)); return;
    case ParameterType::Points:
      expect(std::holds_alternative<Points>(value));
      if (std::get<Points>(value).points.empty()) throw Error("", where, "needs at least one point");
      return;
    case ParameterType::Choice: {
      expect(std::holds_alternative<std::string>(value));
      const auto& text = std::get<std::string>(value);
      if (std::find(p.choices.begin(), p.choices.end(), text) != p.choices.end()) return;
      const std::string close = closestName(text, p.choices);
      throw Error("", where, "'" + text + "' is not one of: " + joined(p.choices) +
                                 (close.empty() ? "" : " (did you mean '" + close + "'?)"));
    }
    case ParameterType::Text: {
      expect(std::holds_alternative<std::string>(value));
      if (!p.check) return;
      try {
        p.check(std::get<std::string>(value));
      } catch (const Error& e) {
        throw Error("", where, e.info().reason);
      }
      return;
    }
  }
  if (number < p.minimum || number > p.maximum)
    throw Error("", where, formatParameterValue(number) + " is out of range [" + formatParameterValue(p.minimum) + ", " +
                               formatParameterValue(p.maximum) + "]" + (p.unit.empty() ? "" : " " + p.unit));
}

std::string allowedValues(const ParameterSpec& p) {
  switch (p.type) {
    case ParameterType::Boolean: return "true or false (also yes/no, on/off, in any case)";
    case ParameterType::Choice: return joined(p.choices);
    case ParameterType::Text: return p.allowedText;
    case ParameterType::Points: return "x,y,z;... in mm, or voxel:i,j,k;...";
    case ParameterType::Number:
    case ParameterType::Integer:
      if (p.minimum > -1e300 || p.maximum < 1e300)
        return formatParameterValue(p.minimum) + " .. " + formatParameterValue(p.maximum);
      return "";
  }
  return "";
}

std::string parameterTableMarkdown(const std::vector<ParameterSpec>& parameters, const std::string& firstColumn) {
  std::ostringstream out;
  out << "| " << firstColumn << " | type | unit | default | allowed | meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& p : parameters) {
    // Booleans and points say what they accept by their type; the table keeps to ranges, choices and text forms.
    const bool spelledOut = p.type == ParameterType::Boolean || p.type == ParameterType::Points;
    out << "| `" << p.name << "` | " << toString(p.type) << " | " << p.unit << " | "
        << (p.required ? "required" : markdownCell(formatParameterValue(p.defaultValue))) << " | "
        << (spelledOut ? "" : markdownCell(allowedValues(p))) << " | " << markdownCell(p.doc) << " |\n";
  }
  return out.str();
}

std::string formatParameterValue(const ParameterValue& value) {
  struct Visitor {
    // The shortest text that reads back as the same double: 100.00001 stays 100.00001 (%g made it
    // "100", so two configs got one hash and provenance lost the value). Plain digits unless the
    // exponent form is shorter by more than two characters: 100000, not 1e+05; but 1e+09.
    std::string operator()(double v) const {
      char shortest[32], fixed[400];
      const auto s = std::to_chars(shortest, shortest + sizeof shortest, v);
      const auto f = std::to_chars(fixed, fixed + sizeof fixed, v, std::chars_format::fixed);
      const size_t shortLength = static_cast<size_t>(s.ptr - shortest), fixedLength = static_cast<size_t>(f.ptr - fixed);
      if (f.ec == std::errc() && fixedLength <= shortLength + 2) return std::string(fixed, fixedLength);
      return std::string(shortest, shortLength);
    }
    std::string operator()(long v) const { return std::to_string(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const Points& v) const {
      std::string out = v.voxelIndices ? "voxel:" : "";
      for (size_t i = 0; i < v.points.size(); ++i) {
        if (i) out += ";";
        for (size_t d = 0; d < 3; ++d) out += (d ? "," : "") + (*this)(v.points[i][d]);
      }
      return out;
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace medpipe
