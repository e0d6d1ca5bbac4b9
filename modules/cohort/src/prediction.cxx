#include "medpipe/cohort/prediction.h"

#include <json/json.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "medpipe/cohort/cohort_matrix.h"
#include "medpipe/cohort/series_facts.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/version.h"
#include "sqlite_db.h"

namespace medpipe::cohort {
namespace fs = std::filesystem;
namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw Error("", "xgboost", what + ": " + XGBGetLastError());
}

struct Booster {
  BoosterHandle handle = nullptr;
  explicit Booster(DMatrixHandle train) { check(XGBoosterCreate(&train, train ? 1 : 0, &handle), "create booster"); }
  ~Booster() { XGBoosterFree(handle); }
  void set(const std::string& name, const std::string& value) {
    check(XGBoosterSetParam(handle, name.c_str(), value.c_str()), "parameter " + name);
  }
};

struct Matrix {
  DMatrixHandle handle = nullptr;
  Matrix(const std::vector<float>& values, size_t rows, size_t cols) {
    check(XGDMatrixCreateFromMat(values.data(), rows, cols, std::nanf(""), &handle), "create matrix");
  }
  ~Matrix() { XGDMatrixFree(handle); }
};

std::vector<float> flatten(const CohortMatrix& m, const std::vector<size_t>& rows) {
  std::vector<float> out;
  for (size_t r : rows)
    for (double v : m.values[r]) out.push_back(std::isfinite(v) ? static_cast<float>(v) : std::nanf(""));
  return out;
}

std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream s(line);
  for (std::string c; std::getline(s, c, ',');) {
    while (!c.empty() && (c.back() == '\r' || c.back() == ' ')) c.pop_back();
    if (c.size() >= 2 && c.front() == '"' && c.back() == '"') c = c.substr(1, c.size() - 2);
    cells.push_back(c);
  }
  return cells;
}

struct Targets {
  std::map<std::string, double> outcome;   // per unit
  std::map<std::string, std::string> patient;  // per unit, from the table's `patient` column
};

// The outcome per unit ID. The key column is `unit`, `series_uid` (matched through its hash, so the
// database needs no PHI) or `accession` (accession numbers are PHI: a database built with --show-phi).
Targets readTargets(const TrainOptions& o, SqliteDb& db) {
  std::ifstream in(o.targetFile);
  std::string line;
  if (!in || !std::getline(in, line)) throw Error(o.targetFile.string(), "", "cannot read the outcome table");
  const auto header = splitCsv(line);
  const auto at = [&](const std::string& name) { return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin()); };
  const size_t value = at(o.targetColumn);
  if (value == header.size()) throw Error(o.targetFile.string(), o.targetColumn, "no such column in the header");
  size_t key = header.size();
  for (const char* name : {"unit", "series_uid", "accession"})
    if (key == header.size()) key = at(name);
  if (key == header.size()) throw Error(o.targetFile.string(), "", "needs a key column 'unit', 'series_uid' or 'accession'");
  const size_t patient = at("patient");
  std::map<std::string, std::string> unitOf;
  if (header[key] == "series_uid") {
    auto s = db.prepare("SELECT series_uid_hash, unit FROM units");
    while (s.step()) unitOf[s.text(0)] = s.text(1);
  } else if (header[key] == "accession") {
    auto s = db.prepare("SELECT accession_number, unit FROM units WHERE accession_number IS NOT NULL AND accession_number != ''");
    while (s.step()) unitOf[s.text(0)] = s.text(1);
    if (unitOf.empty())
      throw Error(o.targetFile.string(), "accession",
                  "the database holds no accession numbers (they are PHI: build it with `medpipe cohort build OUT --show-phi`)");
  }
  Targets targets;
  for (size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const auto cells = splitCsv(line);
    if (cells.size() <= std::max(key, value)) throw Error(o.targetFile.string(), "line " + std::to_string(n), "too few cells");
    char* end = nullptr;
    const double v = std::strtod(cells[value].c_str(), &end);
    if (cells[value].empty() || *end != '\0' || !std::isfinite(v)) continue;  // no outcome for this unit
    const std::string unit = header[key] == "unit"         ? cells[key]
                             : header[key] == "series_uid" ? unitOf[hashIdentifier(cells[key])]
                                                           : unitOf[cells[key]];
    if (unit.empty()) continue;
    targets.outcome[unit] = v;
    if (patient < cells.size() && !cells[patient].empty()) targets.patient[unit] = cells[patient];
  }
  return targets;
}

double auc(const std::vector<double>& y, const std::vector<double>& score) {
  std::vector<size_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rankSum = 0, positives = 0;
  for (size_t i = 0; i < order.size();) {  // average ranks over ties
    size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double rank = (static_cast<double>(i + j) + 1) / 2;
    for (size_t k = i; k < j; ++k)
      if (y[order[k]] > 0.5) rankSum += rank, ++positives;
    i = j;
  }
  const double negatives = static_cast<double>(y.size()) - positives;
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

double r2(const std::vector<double>& y, const std::vector<double>& p) {
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  double res = 0, tot = 0;
  for (size_t i = 0; i < y.size(); ++i) res += (y[i] - p[i]) * (y[i] - p[i]), tot += (y[i] - mean) * (y[i] - mean);
  return 1 - res / tot;
}

void configure(Booster& b, bool classify, const TrainOptions& o) {
  b.set("objective", classify ? "binary:logistic" : "reg:squarederror");
  b.set("max_depth", std::to_string(o.maxDepth));
  b.set("eta", std::to_string(o.eta));
  b.set("seed", std::to_string(o.seed));
  b.set("nthread", "1");  // deterministic, and the CLI's runs are small
  b.set("verbosity", "0");
}

std::unique_ptr<Booster> fit(const CohortMatrix& m, const std::vector<size_t>& rows, const std::vector<double>& y,
                             bool classify, const TrainOptions& o, std::unique_ptr<Matrix>& keep) {
  keep = std::make_unique<Matrix>(flatten(m, rows), rows.size(), m.columns.size());
  std::vector<float> labels;
  for (size_t r : rows) labels.push_back(static_cast<float>(y[r]));
  check(XGDMatrixSetFloatInfo(keep->handle, "label", labels.data(), labels.size()), "set labels");
  auto b = std::make_unique<Booster>(keep->handle);
  configure(*b, classify, o);
  for (int i = 0; i < o.rounds; ++i) check(XGBoosterUpdateOneIter(b->handle, i, keep->handle), "train");
  return b;
}

std::vector<float> predict(Booster& b, const Matrix& x, bool contributions) {
  bst_ulong n = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(b.handle, x.handle, contributions ? 4 : 0, 0, 0, &n, &out), "predict");
  return std::vector<float>(out, out + n);
}

CohortMatrix labelRows(const fs::path& database, const std::vector<std::string>& columns, long long label) {
  const CohortMatrix all = loadCohortMatrix(database, columns);
  if (all.labels.empty()) throw Error(database.string(), "", "no finished unit with measurements");
  return rowsWithLabel(all, label >= 0 ? label : *std::min_element(all.labels.begin(), all.labels.end()));
}

}  // namespace

TrainResult trainModel(const fs::path& database, const TrainOptions& o, const fs::path& modelFile) {
  if (o.folds < 2) throw Error("", "--folds", "must be at least 2");
  if (o.repeats < 1) throw Error("", "--repeats", "must be at least 1");
  SqliteDb db(cohortDatabasePath(database), false);
  const Targets read = readTargets(o, db);
  const auto& targets = read.outcome;
  // The group of each unit: its patient when known (the outcome table, or a --show-phi database), else its study.
  std::map<std::string, std::string> studyOf, patientOf = read.patient;
  {
    auto s = db.prepare("SELECT unit, COALESCE(study_uid_hash, unit), patient_id FROM units");
    while (s.step()) {
      studyOf[s.text(0)] = s.text(1);
      if (read.patient.empty() && !s.isNull(2) && !s.text(2).empty()) patientOf[s.text(0)] = s.text(2);
    }
  }
  const CohortMatrix all = labelRows(database, o.columns, o.label);
  CohortMatrix m;
  m.columns = all.columns;
  std::vector<double> y;
  for (size_t r = 0; r < all.units.size(); ++r) {
    const auto t = targets.find(all.units[r]);
    if (t == targets.end()) continue;
    m.units.push_back(all.units[r]), m.labels.push_back(all.labels[r]), m.values.push_back(all.values[r]), y.push_back(t->second);
  }
  TrainResult result;
  result.rows = y.size();
  result.columns = m.columns;
  if (y.size() < static_cast<size_t>(2 * o.folds)) throw Error(o.targetFile.string(), o.targetColumn, std::to_string(y.size()) + " units with an outcome, too few for " + std::to_string(o.folds) + " folds");
  const bool classify = std::all_of(y.begin(), y.end(), [](double v) { return v == 0 || v == 1; });
  result.task = classify ? "classification" : "regression";
  result.metric = classify ? "AUC" : "R2";

  // Folds by study: the studies, shuffled with the seed, dealt round-robin.
  std::vector<std::string> studies;  // the group of each row
  const bool byPatient = std::all_of(m.units.begin(), m.units.end(), [&](const std::string& u) { return patientOf.count(u) > 0; });
  result.groupedBy = byPatient ? "patient" : "study";
  for (const auto& u : m.units) studies.push_back(byPatient ? patientOf[u] : studyOf[u]);
  std::vector<std::string> distinct(studies);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  result.groups = distinct.size();
  if (distinct.size() < static_cast<size_t>(o.folds))
    throw Error(database.string(), result.groupedBy, std::to_string(distinct.size()) + " " + result.groupedBy + "(s), too few for " + std::to_string(o.folds) + " folds grouped by " + result.groupedBy);
  // Repeated k-fold: each repeat deals the groups anew (seed + repeat); the metric is the mean over
  // repeats of the metric over that repeat's out-of-fold predictions.
  for (int repeat = 0; repeat < o.repeats; ++repeat) {
    std::shuffle(distinct.begin(), distinct.end(), std::mt19937(o.seed + static_cast<unsigned>(repeat)));
    std::map<std::string, int> foldOf;
    for (size_t i = 0; i < distinct.size(); ++i) foldOf[distinct[i]] = static_cast<int>(i % static_cast<size_t>(o.folds));
    std::vector<double> outOfFold(y.size());
    for (int f = 0; f < o.folds; ++f) {
      std::vector<size_t> train, test;
      for (size_t r = 0; r < y.size(); ++r) (foldOf[studies[r]] == f ? test : train).push_back(r);
      std::unique_ptr<Matrix> keep;
      auto b = fit(m, train, y, classify, o, keep);
      const Matrix x(flatten(m, test), test.size(), m.columns.size());
      const auto p = predict(*b, x, false);
      for (size_t i = 0; i < test.size(); ++i) outOfFold[test[i]] = p[i];
    }
    result.perRepeat.push_back(classify ? auc(y, outOfFold) : r2(y, outOfFold));
  }
  result.crossValidated = std::accumulate(result.perRepeat.begin(), result.perRepeat.end(), 0.0) / static_cast<double>(o.repeats);

  // The final model on every row; its importances.
  std::vector<size_t> everyRow(y.size());
  std::iota(everyRow.begin(), everyRow.end(), 0);
  std::unique_ptr<Matrix> keep;
  auto b = fit(m, everyRow, y, classify, o, keep);
  const size_t p = m.columns.size();
  result.importances.resize(p);
  for (size_t c = 0; c < p; ++c) result.importances[c].column = m.columns[c];
  const auto shap = predict(*b, *keep, true);  // rows x (p + 1): the last is the bias
  for (size_t r = 0; r < y.size(); ++r)
    for (size_t c = 0; c < p; ++c) result.importances[c].meanAbsShap += std::abs(shap[r * (p + 1) + c]) / static_cast<double>(y.size());
  bst_ulong nNames = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  check(XGBoosterFeatureScore(b->handle, R"({"importance_type": "gain"})", &nNames, &names, &dim, &shape, &scores), "importance");
  for (bst_ulong i = 0; i < nNames; ++i) {
    const std::string name = names[i];  // "f<column index>"
    const size_t c = std::stoul(name.substr(1));
    if (c < p) result.importances[c].gain = scores[i];
  }
  std::sort(result.importances.begin(), result.importances.end(),
            [](const FeatureImportance& a, const FeatureImportance& b2) { return a.meanAbsShap > b2.meanAbsShap; });

  // One file: medpipe's record (features, settings, provenance, validation) around XGBoost's JSON model.
  bst_ulong length = 0;
  const char* raw = nullptr;
  check(XGBoosterSaveModelToBuffer(b->handle, R"({"format": "json"})", &length, &raw), "save model");
  Json::Value model;
  Json::CharReaderBuilder reader;
  std::string errors;
  std::istringstream rawStream(std::string(raw, length));
  if (!Json::parseFromStream(reader, rawStream, &model["xgboost"], &errors)) throw Error(modelFile.string(), "", "XGBoost model JSON: " + errors);
  Json::Value& record = model["medpipe"];
  for (const auto& c : m.columns) record["features"].append(c);
  record["label"] = static_cast<Json::Int64>(m.labels.empty() ? 0 : m.labels.front());
  record["task"] = result.task;
  record["settings"]["rounds"] = o.rounds, record["settings"]["max_depth"] = o.maxDepth, record["settings"]["eta"] = o.eta;
  record["settings"]["folds"] = o.folds, record["settings"]["seed"] = o.seed;
  record["settings"]["repeats"] = o.repeats;
  record["validation"][result.metric] = result.crossValidated;
  record["validation"]["rows"] = static_cast<Json::UInt64>(result.rows), record["validation"]["groups"] = static_cast<Json::UInt64>(result.groups);
  record["validation"]["grouped_by"] = result.groupedBy;
  record["provenance"]["medpipe"] = medpipeVersion();
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  record["provenance"]["xgboost"] = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  record["provenance"]["database"] = fs::absolute(cohortDatabasePath(database)).string();
  record["provenance"]["target"] = fs::absolute(o.targetFile).string() + ":" + o.targetColumn;
  {  // which outcome table and which build of the database: a model can be traced to its data
    std::ifstream targetBytes(o.targetFile, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(targetBytes)), std::istreambuf_iterator<char>());
    record["provenance"]["target_hash"] = hashIdentifier(bytes);
    auto built = db.prepare("SELECT value FROM cohort_meta WHERE key = 'built_at'");
    if (built.step()) record["provenance"]["database_built_at"] = built.text(0);
    const std::time_t now = std::time(nullptr);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    record["provenance"]["trained_at"] = when;
  }
  writeAtomically(modelFile, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    Json::StreamWriterBuilder writer;
    writer["indentation"] = "";
    out << Json::writeString(writer, model) << "\n";
    if (!out.flush()) throw Error(modelFile.string(), "", "cannot write the model");
  });

  db.exec("BEGIN IMMEDIATE; DROP TABLE IF EXISTS model_importances; CREATE TABLE model_importances (column_name TEXT PRIMARY KEY, gain REAL, mean_abs_shap REAL)");
  auto insert = db.prepare("INSERT INTO model_importances VALUES (?, ?, ?)");
  for (const auto& i : result.importances) insert.bind(1, i.column).bind(2, i.gain).bind(3, i.meanAbsShap).run();
  db.exec("COMMIT");
  return result;
}

PredictResult predictWithModel(const fs::path& database, const fs::path& modelFile) {
  std::ifstream in(modelFile);
  Json::Value model;
  Json::CharReaderBuilder reader;
  std::string errors;
  if (!in || !Json::parseFromStream(reader, in, &model, &errors) || !model["medpipe"]["features"].isArray() || !model["xgboost"].isObject())
    throw Error(modelFile.string(), "", "not a medpipe cohort model");
  std::vector<std::string> features;
  for (const auto& f : model["medpipe"]["features"]) features.push_back(f.asString());
  // Exactly the model's columns, in its order: a column the database lacks is an error.
  const CohortMatrix m = labelRows(database, features, model["medpipe"]["label"].asInt64());
  if (m.columns != features) throw Error(database.string(), "features", "the database's columns do not match the model's");
  PredictResult result;
  std::vector<size_t> rows;
  for (size_t r = 0; r < m.units.size(); ++r) {
    std::string missing;
    for (size_t c = 0; c < features.size(); ++c)
      if (!std::isfinite(m.values[r][c])) missing += (missing.empty() ? "" : ", ") + features[c];
    if (missing.empty()) rows.push_back(r), result.units.push_back(m.units[r]);
    else result.refused.push_back(m.units[r] + ": no value for the model's column(s) " + missing);
  }
  if (!rows.empty()) {
    Booster b(nullptr);
    Json::StreamWriterBuilder writer;
    writer["indentation"] = "";
    const std::string raw = Json::writeString(writer, model["xgboost"]);
    check(XGBoosterLoadModelFromBuffer(b.handle, raw.data(), raw.size()), "load model");
    const Matrix x(flatten(m, rows), rows.size(), features.size());
    for (float v : predict(b, x, false)) result.predictions.push_back(v);
  }
  SqliteDb db(cohortDatabasePath(database), false);
  db.exec("BEGIN IMMEDIATE; DROP TABLE IF EXISTS predictions; CREATE TABLE predictions (unit TEXT PRIMARY KEY, prediction REAL, model TEXT)");
  auto insert = db.prepare("INSERT INTO predictions VALUES (?, ?, ?)");
  for (size_t i = 0; i < result.units.size(); ++i) insert.bind(1, result.units[i]).bind(2, result.predictions[i]).bind(3, modelFile.string()).run();
  db.exec("COMMIT");
  return result;
}

}  // namespace medpipe::cohort
