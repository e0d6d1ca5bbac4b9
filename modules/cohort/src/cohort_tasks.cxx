#include "medpipe/cohort/cohort_tasks.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "medpipe/cohort/clustering.h"
#include "medpipe/cohort/outliers.h"
#include "medpipe/core/error.h"
#ifdef MEDPIPE_WITH_XGBOOST
#include "medpipe/cohort/prediction.h"
#endif

namespace medpipe::cohort {
namespace fs = std::filesystem;
namespace {

constexpr long kMaxSeed = 4294967295L;

#ifdef MEDPIPE_WITH_XGBOOST
constexpr bool kWithXgboost = true;
#else
constexpr bool kWithXgboost = false;
#endif

ParameterSpec columnsOption(const std::string& doc) {
  return ParameterSpec::text("columns", "", "comma-separated globs (a YAML list in a config)", doc);
}
ParameterSpec requiredText(std::string name, std::string allowed, std::string doc,
                           std::function<void(const std::string&)> check = {}) {
  auto spec = ParameterSpec::text(std::move(name), "", std::move(allowed), std::move(doc), std::move(check));
  spec.required = true;
  return spec;
}
ParameterSpec seedOption() {
  return ParameterSpec::integer("seed", 1, 0, kMaxSeed, "random seed: the same database and seed give the same result");
}
ParameterSpec labelOption() {
  return ParameterSpec::integer("label", -1, -1, 1000000, "use the rows of this label; -1: the lowest label in the cohort");
}

void checkTarget(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw Error("", "target", "'" + text + "': expected FILE.csv:COLUMN");
}

void checkK(const std::string& text) {
  if (text == "auto") return;
  size_t end = 0;
  int k = 0;
  try {
    k = std::stoi(text, &end);
  } catch (const std::exception&) {
    end = 0;
  }
  if (end != text.size() || k < 2 || k > 100) throw Error("", "k", "'" + text + "' is neither a whole number 2 .. 100 nor auto");
}

std::vector<MiningCommand> declareCommands() {
  const std::string all =
      "; empty: every measurement and numeric series fact "
      "(constant ones left out)";
  return {
      {"outliers",
       "flag units whose measurements lie outside the cohort (robust z, Tukey "
       "fences, robust Mahalanobis); table `outliers`",
       {columnsOption("columns screened, globs over step.feature and series "
                      "facts (\"tissue-stats.*,spacing_x_mm\")" +
                      all),
        ParameterSpec::number("z", 3.5, 0.5, 100, "", "flag a |robust z| (median/MAD) above this"),
        ParameterSpec::number("tukey-k", 3, 0.5, 100, "", "Tukey's fences at Q1 - k IQR and Q3 + k IQR"),
        ParameterSpec::flag("mahalanobis", true,
                            "also the robust Mahalanobis distance across "
                            "columns (false: per-column rules only)"),
        ParameterSpec::number("quantile", 0.999, 0.5, 0.999999, "",
                              "flag a robust Mahalanobis d^2 above this "
                              "quantile of its null distribution"),
        seedOption()}},
      {"cluster",
       "k-means clusters of the units on standardised columns, k given or "
       "chosen by silhouette; table `clusters`",
       {ParameterSpec::text("k", "auto", "auto or a whole number 2 .. 100",
                            "number of clusters; auto: the k of 2 .. max-k "
                            "with the best mean silhouette",
                            checkK),
        ParameterSpec::integer("max-k", 8, 2, 100, "largest k tried by k: auto"),
        ParameterSpec::choice("screen", "groups", {"groups", "none"},
                              "groups: cluster only the columns that fall into groups of their own (1-D k-means mean "
                              "silhouette >= 0.71, Kaufman and Rousseeuw's strong structure, smallest group >= 5 % of "
                              "the units; all columns when none does); "
                              "none: every column"),
        columnsOption("columns clustered" + all + "; of columns correlated above 0.95 only the first is used"), labelOption(),
        seedOption()}},
      {"train",
       "an outcome model (XGBoost) with k-fold cross-validation grouped by "
       "patient, gain and SHAP importances; table "
       "`model_importances`",
       {requiredText("target", "FILE.csv:COLUMN",
                     "the outcome: a CSV keyed by `unit`, `series_uid` or "
                     "`accession`, and its column",
                     checkTarget),
        requiredText("model", "a file name",
                     "the model file to write (JSON: XGBoost's model with its "
                     "features, settings, provenance)"),
        columnsOption("columns to learn from; empty: all"), labelOption(),
        ParameterSpec::integer("folds", 5, 2, 100, "cross-validation folds, grouped by patient"),
        ParameterSpec::integer("repeats", 1, 1, 100,
                               "k-fold cross-validation repeated with new folds; the metric is the mean over repeats"),
        ParameterSpec::integer("rounds", 100, 1, 100000, "boosting rounds"),
        ParameterSpec::integer("max-depth", 3, 1, 20, "depth of each tree"),
        ParameterSpec::number("eta", 0.1, 0.001, 1, "", "learning rate"), seedOption()},
       kWithXgboost},
      {"predict",
       "predict the outcome of every unit with a model from train (units whose "
       "columns do not match are refused); table "
       "`predictions`",
       {requiredText("model", "a file name", "a model written by train")},
       kWithXgboost},
  };
}

std::vector<std::string> columnPatterns(const std::string& list) {
  std::vector<std::string> patterns;
  std::stringstream in(list);
  for (std::string p; std::getline(in, p, ',');) {
    p.erase(0, p.find_first_not_of(' '));
    p.erase(p.find_last_not_of(' ') + 1);
    if (!p.empty()) patterns.push_back(p);
  }
  return patterns;
}

fs::path resolve(const fs::path& base, const std::string& path) {
  const fs::path p(path);
  return p.is_relative() && !base.empty() ? base / p : p;
}

std::string fixed(double v, int digits = 3) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

CohortMatrix rowsOfLabel(const fs::path& database, const CohortMatrix& all, long long label, long long& chosen) {
  if (all.labels.empty()) throw Error(database.string(), "", "no finished unit with measurements");
  chosen = label >= 0 ? label : *std::min_element(all.labels.begin(), all.labels.end());
  auto m = rowsWithLabel(all, chosen);
  if (m.units.empty()) throw Error(database.string(), "label", "no rows of label " + std::to_string(chosen));
  return m;
}

MiningOutcome runOutliers(const ParameterValues& v, const fs::path& database) {
  OutlierOptions o;
  o.zLimit = v.number("z"), o.tukeyK = v.number("tukey-k"), o.chi2Quantile = v.number("quantile");
  o.mahalanobis = v.flag("mahalanobis");
  o.seed = static_cast<unsigned>(v.integer("seed"));
  const auto matrix = loadCohortMatrix(database, columnPatterns(v.text("columns")));
  const auto report = findOutliers(matrix, o);
  writeOutliers(database, report);
  std::map<std::pair<std::string, long long>, std::vector<const OutlierFlag*>> byRow;
  for (const auto& f : report.flags) byRow[{f.unit, f.label}].push_back(&f);
  MiningOutcome out;
  out.headline = std::to_string(byRow.size()) + " of " + std::to_string(report.rows) + " unit/label row(s) flagged on " +
                 std::to_string(report.columns.size()) + " column(s)" + (report.note.empty() ? "" : "; " + report.note) +
                 " (table `outliers`)";
  for (const auto& [row, flags] : byRow) {
    out.details += row.first + " label " + std::to_string(row.second) + ":\n";
    for (const auto* f : flags) out.details += "  " + f->rule + ": " + f->detail + "\n";
  }
  return out;
}

MiningOutcome runCluster(const ParameterValues& v, const fs::path& database) {
  ClusterOptions o;
  o.k = v.text("k") == "auto" ? 0 : std::stoi(v.text("k"));
  o.maxK = static_cast<int>(v.integer("max-k"));
  o.screen = v.choice("screen") == "none" ? ColumnScreen::None : ColumnScreen::Groups;
  o.seed = static_cast<unsigned>(v.integer("seed"));
  long long label = 0;
  const auto matrix =
      rowsOfLabel(database, loadCohortMatrix(database, columnPatterns(v.text("columns"))), v.integer("label"), label);
  const auto result = clusterCohort(matrix, o);
  writeClusters(database, matrix, result);
  MiningOutcome out;
  out.headline = "k = " + std::to_string(result.k) + " on " + std::to_string(result.columns.size()) +
                 " standardised column(s), " + std::to_string(matrix.units.size()) + " unit(s) of label " +
                 std::to_string(label) + "; mean silhouette " + fixed(result.silhouette) + " (table `clusters`)";
  if (result.silhouetteByK.size() > 1) {
    out.details += "silhouette by k:";
    for (const auto& [k, s] : result.silhouetteByK) out.details += " " + std::to_string(k) + ": " + fixed(s);
    out.details += "\n";
  }
  const std::string rule = "(1-D silhouette >= " + fixed(o.screenSilhouette, 2) + ")";
  if (result.screened) {
    out.details += "columns with groups of their own " + rule + ":";
    for (size_t j = 0; j < result.columns.size(); ++j) out.details += " " + result.columns[j] + " " + fixed(result.structure[j]);
    if (!result.screenedOut.empty()) out.details += "; left out, no groups of their own:";
    for (const auto& c : result.screenedOut) out.details += " " + c;
    out.details += "\n";
  } else if (o.screen == ColumnScreen::Groups) {
    out.details += "no column has groups of its own " + rule + ": all are clustered\n";
  }
  for (int c = 0; c < result.k; ++c)
    out.details += "cluster " + std::to_string(c) + ": " + std::to_string(result.sizes[static_cast<size_t>(c)]) + " row(s)\n";
  if (!result.dropped.empty()) {
    out.details +=
        "left out (empty, constant, or correlated above 0.95 with "
        "an earlier column):";
    for (const auto& d : result.dropped) out.details += " " + d;
    out.details += "\n";
  }
  return out;
}

#ifdef MEDPIPE_WITH_XGBOOST
MiningOutcome runTrain(const ParameterValues& v, const fs::path& database, const fs::path& base) {
  TrainOptions o;
  const std::string& target = v.text("target");
  checkTarget(target);
  const auto colon = target.rfind(':');
  o.targetFile = resolve(base, target.substr(0, colon)), o.targetColumn = target.substr(colon + 1);
  o.columns = columnPatterns(v.text("columns"));
  o.label = v.integer("label");
  o.folds = static_cast<int>(v.integer("folds")), o.repeats = static_cast<int>(v.integer("repeats"));
  o.rounds = static_cast<int>(v.integer("rounds"));
  o.maxDepth = static_cast<int>(v.integer("max-depth")), o.eta = v.number("eta");
  o.seed = static_cast<unsigned>(v.integer("seed"));
  const fs::path model = resolve(base, v.text("model"));
  const auto r = trainModel(database, o, model);
  MiningOutcome out;
  out.headline = r.task + " on " + std::to_string(r.rows) + " unit(s) from " + std::to_string(r.groups) + " " +
                 (r.groupedBy == "study" ? "studies" : "patients") + ", " + std::to_string(r.columns.size()) +
                 " column(s): cross-validated " + r.metric + " " + fixed(r.crossValidated) + " (" + std::to_string(o.folds) +
                 " folds grouped by " + r.groupedBy + ", mean of " + std::to_string(o.repeats) + " repeats" +
                 "; table `model_importances`)";
  out.details = "model: " + model.string() + "\nimportance (mean |SHAP|, gain):\n";
  for (size_t i = 0; i < std::min<size_t>(10, r.importances.size()); ++i)
    out.details += "  " + r.importances[i].column + "  " + fixed(r.importances[i].meanAbsShap, 4) + "  " +
                   fixed(r.importances[i].gain, 4) + "\n";
  return out;
}

MiningOutcome runPredict(const ParameterValues& v, const fs::path& database, const fs::path& base) {
  const auto r = predictWithModel(database, resolve(base, v.text("model")));
  MiningOutcome out;
  out.headline = std::to_string(r.units.size()) + " unit(s) predicted, " + std::to_string(r.refused.size()) +
                 " refused (table `predictions`)";
  for (const auto& why : r.refused) out.details += "refused: " + why + "\n";
  out.ok = r.refused.empty();
  return out;
}
#endif

}  // namespace

const std::vector<MiningCommand>& miningCommands() {
  static const std::vector<MiningCommand> commands = declareCommands();
  return commands;
}

const MiningCommand* findMiningCommand(const std::string& name) {
  for (const auto& c : miningCommands())
    if (c.name == name) return &c;
  return nullptr;
}

ParameterValues miningOptionValues(const MiningCommand& command, const std::map<std::string, std::string>& text) {
  std::vector<std::string> names;
  for (const auto& spec : command.options) names.push_back(spec.name);
  for (const auto& [name, value] : text)
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      const std::string close = closestName(name, names);
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw Error("", name,
                  "unknown option of " + command.name + (close.empty() ? "" : " (did you mean '" + close + "'?)") +
                      "; options: " + known);
    }
  std::map<std::string, ParameterValue> values;
  for (const auto& spec : command.options) {
    const auto given = text.find(spec.name);
    const bool required = spec.required;
    if (given == text.end()) {
      if (required) throw Error("", spec.name, "required (" + spec.doc + ")");
      values[spec.name] = spec.defaultValue;
      continue;
    }
    try {
      ParameterValue value = parseParameterText(command.name, spec, given->second);
      validateParameter(command.name, spec, value);
      if (required && std::get<std::string>(value).empty()) throw Error("", spec.name, "must not be empty");
      values[spec.name] = std::move(value);
    } catch (const Error& e) {
      // parseParameterText names "command.option"; the caller's position says
      // where.
      const std::string allowed = allowedValues(spec);
      const bool said = e.info().reason.find(allowed) != std::string::npos;
      throw Error("", spec.name, e.info().reason + (said ? "" : " (allowed: " + allowed + ")"));
    }
  }
  return ParameterValues(std::move(values));
}

std::vector<ConfigProblem> checkCohortTasks(const std::vector<CohortTaskConfig>& tasks) {
  std::vector<ConfigProblem> problems;
  std::vector<std::string> names;
  for (const auto& c : miningCommands()) names.push_back(c.name);
  std::map<std::string, int> seen;
  for (const auto& task : tasks) {
    const MiningCommand* command = findMiningCommand(task.command);
    if (!command) {
      const std::string close = closestName(task.command, names);
      problems.push_back({task.position, "",
                          "cohort: unknown command '" + task.command + "'" +
                              (close.empty() ? "" : " (did you mean '" + close + "'?)") +
                              "; commands: outliers, cluster, train, predict"});
      continue;
    }
    if (++seen[task.command] > 1) problems.push_back({task.position, "", "cohort." + task.command + ": given twice"});
    if (!command->available)
      problems.push_back({task.position, "", "cohort." + task.command + ": this medpipe was built without XGBoost"});
    // Each option alone, so that every bad one is reported, then the required
    // ones.
    for (const auto& [name, text] : task.options) {
      try {
        std::map<std::string, std::string> one{{name, text}};
        for (const auto& spec : command->options)  // stand-ins for the required options
          if (spec.required && spec.name != name) one[spec.name] = "x:y";
        miningOptionValues(*command, one);
      } catch (const Error& e) {
        problems.push_back({task.at(name), "", "cohort." + task.command + ": " + e.info().field + ": " + e.info().reason});
      }
    }
    for (const auto& spec : command->options)
      if (spec.required && !task.options.count(spec.name))
        problems.push_back({task.position, "", "cohort." + task.command + ": " + spec.name + ": required (" + spec.doc + ")"});
  }
  return problems;
}

MiningOutcome runMiningCommand(const MiningCommand& command, const ParameterValues& values, const fs::path& database,
                               const fs::path& base) {
  MiningOutcome out;
  if (command.name == "outliers")
    out = runOutliers(values, database);
  else if (command.name == "cluster")
    out = runCluster(values, database);
#ifdef MEDPIPE_WITH_XGBOOST
  else if (command.name == "train")
    out = runTrain(values, database, base);
  else if (command.name == "predict")
    out = runPredict(values, database, base);
#endif
  else
    throw Error("", command.name,
                "this medpipe was built without XGBoost (install "
                "libxgboost-dev and rebuild)");
  (void)base;
  out.command = command.name;
  return out;
}

std::vector<MiningOutcome> runCohortTasks(const std::vector<CohortTaskConfig>& tasks, const fs::path& database,
                                          const fs::path& base) {
  const auto problems = checkCohortTasks(tasks);
  if (!problems.empty()) throw Error(problems.front().position.str(), "", problems.front().message);
  std::vector<MiningOutcome> outcomes;
  for (const auto& command : miningCommands())
    for (const auto& task : tasks)
      if (task.command == command.name) {
        try {
          outcomes.push_back(runMiningCommand(command, miningOptionValues(command, task.options), database, base));
        } catch (const Error& e) {  // say which part of the config failed
          throw Error(task.position.str(), "cohort." + command.name, formatError(e.info()));
        }
      }
  return outcomes;
}

std::string miningOptionsMarkdown() {
  std::string out;
  for (const auto& c : miningCommands()) {
    out += "#### `" + c.name + "`\n\n" + c.summary + ".\n\n";
    out += parameterTableMarkdown(c.options, "option") + "\n";
  }
  return out;
}

}  // namespace medpipe::cohort
