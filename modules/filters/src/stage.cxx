#include "medpipe/filters/stage.h"

#include <algorithm>
#include <sstream>

#include "medpipe/core/error.h"

namespace medpipe {
namespace {

std::vector<std::unique_ptr<Stage>>& registry() {
  static std::vector<std::unique_ptr<Stage>> stages;
  return stages;
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string close = closestName(word, candidates);
  return close.empty() ? "" : " (did you mean '" + close + "'?)";
}

}  // namespace

std::string closestName(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = editDistance(word, c);
    if (d < bestDistance) best = c, bestDistance = d;
  }
  return best;
}

void registerStage(std::unique_ptr<Stage> stage) { registry().push_back(std::move(stage)); }

std::vector<const Stage*> allStages() {
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

ParameterValues validateParameters(const StageSpec& spec, const ParameterValues& given) {
  ParameterValues values;
  std::vector<std::string> names;
  for (const auto& p : spec.parameters) {
    values[p.name] = p.defaultValue;
    names.push_back(p.name);
  }
  for (const auto& [name, value] : given) {
    const auto p = std::find_if(spec.parameters.begin(), spec.parameters.end(),
                                [&](const ParameterSpec& s) { return s.name == name; });
    if (p == spec.parameters.end())
      throw Error("", spec.name + "." + name, "unknown parameter" + didYouMean(name, names));
    if (value < p->minimum || value > p->maximum) {
      std::ostringstream why;
      why << value << " is out of range [" << p->minimum << ", " << p->maximum << "]" << (p->unit.empty() ? "" : " " + p->unit);
      throw Error("", spec.name + "." + name, why.str());
    }
    values[name] = value;
  }
  return values;
}

}  // namespace medpipe

namespace medpipe {
void linkGaussianStage();
void linkBuiltinStages() { linkGaussianStage(); }
}  // namespace medpipe
