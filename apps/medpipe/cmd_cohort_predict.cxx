// medpipe cohort train / predict: an outcome model from the cohort database (XGBoost).
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_support.h"
#include "cohort_commands.h"
#include "medpipe/core/error.h"
#ifdef MEDPIPE_WITH_XGBOOST
#include "medpipe/cohort/prediction.h"
#endif

namespace medpipe::cli {

#ifndef MEDPIPE_WITH_XGBOOST
int runCohortTrain(const Args&) {
  std::cerr << "medpipe cohort train: error: this medpipe was built without XGBoost (install libxgboost-dev and rebuild)\n";
  return kUsage;
}
int runCohortPredict(const Args&) {
  std::cerr << "medpipe cohort predict: error: this medpipe was built without XGBoost (install libxgboost-dev and rebuild)\n";
  return kUsage;
}
#else
int runCohortTrain(const Args& args) {
  CommandLine line;
  line.usage = "medpipe cohort train DB --target FILE.csv:COLUMN --model MODEL.json [--columns GLOB,...] [--folds 5]";
  std::string database, target, model;
  std::vector<std::string> columns;
  cohort::TrainOptions o;
  line.options.add_options()
      ("database", po::value(&database)->required(), "cohort.sqlite, or the batch output folder holding it")
      ("target", po::value(&target)->required(), "the outcome: a CSV keyed by `unit` or `series_uid`, and its column")
      ("model", po::value(&model)->required(), "the model file to write (JSON: XGBoost's model with its features, settings, provenance)")
      ("columns,c", po::value(&columns)->composing(), "columns to learn from (globs, comma-separated); default all")
      ("label", po::value(&o.label), "rows of this label (default: the lowest)")
      ("folds", po::value(&o.folds)->default_value(o.folds), "cross-validation folds, grouped by study")
      ("rounds", po::value(&o.rounds)->default_value(o.rounds), "boosting rounds")
      ("max-depth", po::value(&o.maxDepth)->default_value(o.maxDepth), "depth of each tree")
      ("eta", po::value(&o.eta)->default_value(o.eta), "learning rate")
      ("seed", po::value(&o.seed)->default_value(o.seed), "random seed (folds and trees)");
  line.positional.add("database", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("cohort train", [&] {
    const auto colon = target.rfind(':');
    if (colon == std::string::npos || colon + 1 == target.size()) throw Error(target, "--target", "expected FILE.csv:COLUMN");
    o.targetFile = target.substr(0, colon), o.targetColumn = target.substr(colon + 1);
    for (const auto& c : columns) {
      std::stringstream list(c);
      for (std::string p; std::getline(list, p, ',');)
        if (!p.empty()) o.columns.push_back(p);
    }
    const auto r = cohort::trainModel(database, o, model);
    std::cout << r.task << " on " << r.rows << " unit(s) from " << r.groups << " stud(ies), " << r.columns.size()
              << " column(s): cross-validated " << r.metric << " " << std::fixed << std::setprecision(3) << r.crossValidated
              << " (" << o.folds << " folds grouped by study)\nmodel: " << model << "\nimportance (mean |SHAP|, gain):\n";
    for (size_t i = 0; i < std::min<size_t>(10, r.importances.size()); ++i)
      std::cout << "  " << r.importances[i].column << "  " << r.importances[i].meanAbsShap << "  " << r.importances[i].gain << "\n";
    return kSuccess;
  });
}

int runCohortPredict(const Args& args) {
  CommandLine line;
  line.usage = "medpipe cohort predict DB --model MODEL.json";
  std::string database, model;
  line.options.add_options()
      ("database", po::value(&database)->required(), "cohort.sqlite, or the batch output folder holding it")
      ("model", po::value(&model)->required(), "a model written by medpipe cohort train");
  line.positional.add("database", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("cohort predict", [&] {
    const auto r = cohort::predictWithModel(database, model);
    for (const auto& why : r.refused) std::cerr << "medpipe cohort predict: refused: " << why << "\n";
    std::cout << r.units.size() << " unit(s) predicted, " << r.refused.size() << " refused (table `predictions`)\n";
    return r.refused.empty() ? kSuccess : kFailure;
  });
}
#endif

}  // namespace medpipe::cli
