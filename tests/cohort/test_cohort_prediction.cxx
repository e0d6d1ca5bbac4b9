// medpipe cohort train / predict (XGBoost) on a cohort with a known answer: 120 phantom series in
// 60 studies whose outcome is driven by one measured feature (soft-tissue HU), and the same
// outcome shuffled, which must give chance-level cross-validated AUC (a test that catches leakage).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "cohort_test_support.h"
#include "medpipe/cohort/prediction.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

const std::vector<std::string> kColumns = {"tissue-stats.mean", "tissue-stats.std", "body-stats.volume-ml", "spacing_x_mm"};

class CohortPrediction : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("cohort-prediction");
    std::mt19937 random(99);
    std::uniform_real_distribution<double> noise(15, 25), offset(-15, 15), scale(0.97, 1.03);
    std::ofstream outcome(dir_->path() / "outcome.csv");
    outcome << "series_uid,high_density\n";
    std::vector<std::pair<std::string, int>> rows;
    for (int n = 1; n <= 120; ++n) {
      test::CohortSeries s;
      s.phantom.size = {48, 48, 12};
      s.phantom.spacing = {4.5, 4.5, 5};
      s.phantom.seed = static_cast<unsigned>(n);
      s.phantom.noiseSigma = noise(random);
      s.huOffset = std::round(offset(random));
      s.inPlaneScale = scale(random);
      s.info.seriesNumber = n;
      s.info.seriesDescription = "Series " + std::to_string(n);
      s.info.rescaleIntercept = -1024;
      s.info.studyInstanceUid = "1.2.826.0.1.3680043.99.18." + std::to_string((n + 1) / 2);  // two series per study
      s.info.seriesInstanceUid = "1.2.826.0.1.3680043.99.19." + std::to_string(n);
      test::writeCohortSeries(dir_->path() / "export" / ("S" + std::to_string(n)), s);
      rows.emplace_back(s.info.seriesInstanceUid, s.huOffset > 0 ? 1 : 0);
    }
    for (const auto& [uid, y] : rows) outcome << uid << "," << y << "\n";
    outcome.close();
    test::runCohortPipeline(dir_->path() / "export", out(), dir_->path(), 0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path out() { return dir_->path() / "out"; }
  static cohort::TrainOptions options(const std::string& file) {
    cohort::TrainOptions o;
    o.targetFile = dir_->path() / file;
    o.targetColumn = "high_density";
    o.columns = kColumns;
    return o;
  }
  static test::TempDir* dir_;
};
test::TempDir* CohortPrediction::dir_ = nullptr;

}  // namespace

TEST_F(CohortPrediction, AnOutcomeDrivenByOneFeatureIsLearnedAndExplainedByIt) {
  const auto r = cohort::trainModel(out(), options("outcome.csv"), dir_->path() / "model.json");
  std::cout << "[ figures  ] cross-validated AUC " << r.crossValidated << ", top " << r.importances[0].column << "\n";
  EXPECT_EQ(r.task, "classification");
  EXPECT_EQ(r.rows, 120u);
  EXPECT_EQ(r.groups, 60u);
  EXPECT_GE(r.crossValidated, 0.9);
  ASSERT_EQ(r.importances.size(), 4u);
  EXPECT_EQ(r.importances[0].column, "tissue-stats.mean");
  EXPECT_EQ(std::max_element(r.importances.begin(), r.importances.end(), [](const auto& a, const auto& b) { return a.gain < b.gain; })->column,
            "tissue-stats.mean");

  // The model file carries its features, settings and provenance; predict uses it.
  std::ifstream model(dir_->path() / "model.json");
  const std::string text((std::istreambuf_iterator<char>(model)), std::istreambuf_iterator<char>());
  for (const char* key : {"\"features\"", "\"settings\"", "\"provenance\"", "\"xgboost\"", "tissue-stats.mean", "\"AUC\""})
    EXPECT_NE(text.find(key), std::string::npos) << key;
  const auto p = test::runMedpipe("cohort predict '" + out().string() + "' --model '" + (dir_->path() / "model.json").string() + "'");
  ASSERT_EQ(p.exitCode, 0) << p.err;
  EXPECT_NE(p.out.find("120 unit(s) predicted, 0 refused"), std::string::npos) << p.out;
}

// One shuffle's AUC spreads by about 0.07 around chance at 120 units (0.36 .. 0.65 over 12 shuffles
// here): the mean of five shuffles must be chance, each one at least near it. Leakage (a study on
// both sides, the outcome in a column) would lift them all.
TEST_F(CohortPrediction, TheSameOutcomeShuffledIsChance) {
  std::ifstream in(dir_->path() / "outcome.csv");
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> uids;
  std::vector<int> ys;
  while (std::getline(in, line)) uids.push_back(line.substr(0, line.find(','))), ys.push_back(line.back() - '0');
  double sum = 0;
  for (unsigned seed = 1; seed <= 5; ++seed) {
    auto y = ys;
    std::shuffle(y.begin(), y.end(), std::mt19937(seed));
    std::ofstream f(dir_->path() / "shuffled.csv");
    f << header << "\n";
    for (size_t i = 0; i < y.size(); ++i) f << uids[i] << "," << y[i] << "\n";
    f.close();
    const double auc = cohort::trainModel(out(), options("shuffled.csv"), dir_->path() / "shuffled.json").crossValidated;
    std::cout << "[ figures  ] shuffle " << seed << ": cross-validated AUC " << auc << "\n";
    EXPECT_NEAR(auc, 0.5, 0.2);
    sum += auc;
  }
  EXPECT_NEAR(sum / 5, 0.5, 0.1);
}

TEST_F(CohortPrediction, CliTrainsAndPredictRefusesMismatchedColumns) {
  const auto t = test::runMedpipe("cohort train '" + out().string() + "' --target '" + (dir_->path() / "outcome.csv").string() +
                                  ":high_density' --model '" + (dir_->path() / "cli-model.json").string() +
                                  "' --columns tissue-stats.mean,tissue-stats.std");
  ASSERT_EQ(t.exitCode, 0) << t.err;
  EXPECT_NE(t.out.find("classification on 120 unit(s) from 60 stud(ies), 2 column(s): cross-validated AUC"), std::string::npos) << t.out;
  // A model whose feature the database lacks is refused, naming it.
  std::ifstream in(dir_->path() / "cli-model.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("\"tissue-stats.std\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 18, "\"tissue-stats.sdev\"");
  std::ofstream(dir_->path() / "other-model.json") << text;
  const auto p = test::runMedpipe("cohort predict '" + out().string() + "' --model '" + (dir_->path() / "other-model.json").string() + "'");
  EXPECT_EQ(p.exitCode, 1);
  EXPECT_NE(p.err.find("'tissue-stats.sdev' matches no column"), std::string::npos) << p.err;
  const auto bad = test::runMedpipe("cohort train '" + out().string() + "' --target nowhere.csv --model m.json");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find("expected FILE.csv:COLUMN"), std::string::npos) << bad.err;
}

}  // namespace medpipe
