#pragma once
// Predicting a per-unit outcome from the cohort with gradient-boosted trees (XGBoost): grouped
// k-fold cross-validation, gain and SHAP importances, one model file that carries its features,
// settings and provenance. Built only with XGBoost (MEDPIPE_WITH_XGBOOST).
#include <filesystem>
#include <string>
#include <vector>

namespace medpipe::cohort {

struct TrainOptions {
  // CSV with a header: a key column (unit, series_uid or accession) and the outcome; an optional
  // `patient` column (any patient key, a pseudonym) groups the folds by patient.
  std::filesystem::path targetFile;
  std::string targetColumn;
  std::vector<std::string> columns;  // globs as for loadCohortMatrix; empty: all
  long long label = -1;              // rows of this label; -1: the lowest label
  int folds = 5, repeats = 1, rounds = 100, maxDepth = 3;  // repeats: k-fold CV repeated with new folds
  double eta = 0.1;
  unsigned seed = 1;
};

struct FeatureImportance {
  std::string column;
  double gain = 0;          // XGBoost's average gain of the splits on the column
  double meanAbsShap = 0;   // mean |SHAP value| over the rows (XGBoost's pred_contribs)
};

struct TrainResult {
  std::string task, metric;  // "classification" + "AUC", or "regression" + "R2"
  double crossValidated = 0;       // the mean over repeats of the metric over the out-of-fold predictions
  std::vector<double> perRepeat;  // each repeat's
  size_t rows = 0, groups = 0;
  std::string groupedBy;  // "patient" (the outcome's patient column, or patient IDs in a --show-phi database) or "study"
  std::vector<std::string> columns;
  std::vector<FeatureImportance> importances;  // by mean |SHAP|, largest first
};

// Trains on every row with an outcome, writes the model to `modelFile` (atomically) and the table
// `model_importances`. Folds are grouped by patient (the outcome table's `patient` column, else the
// database's patient IDs when built with --show-phi), else by study (study_uid_hash): one patient
// (or study) never sits on both sides.
TrainResult trainModel(const std::filesystem::path& database, const TrainOptions& options,
                       const std::filesystem::path& modelFile);

struct PredictResult {
  std::vector<std::string> units;
  std::vector<double> predictions;
  std::vector<std::string> refused;  // "unit: why" — columns that do not match the model's
};

// Predicts every unit of the database's label; writes the table `predictions`. Throws
// medpipe::Error when the database lacks one of the model's columns.
PredictResult predictWithModel(const std::filesystem::path& database, const std::filesystem::path& modelFile);

}  // namespace medpipe::cohort
