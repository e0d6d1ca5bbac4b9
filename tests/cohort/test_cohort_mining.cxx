// Mining cohorts with a known answer. Phantom series with realistic spread (noise, HU calibration,
// patient size) and known defects or groups, measured by the real pipeline (`medpipe run`), gathered
// by `medpipe cohort build`, then screened (`outliers`) and clustered (`cluster`).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <random>
#include <iostream>
#include <set>

#include "cohort_test_support.h"
#include "medpipe/cohort/clustering.h"
#include "medpipe/cohort/outliers.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

// A clean series of the cohort: noise 15..25 HU, calibration within +-4 HU, in-plane size +-3 %.
test::CohortSeries cleanSeries(int number, std::mt19937& random) {
  std::uniform_real_distribution<double> noise(15, 25), offset(-4, 4), scale(0.97, 1.03);
  test::CohortSeries s;
  s.phantom.size = {48, 48, 16};
  s.phantom.spacing = {4.5, 4.5, 5};
  s.phantom.seed = static_cast<unsigned>(number);
  s.phantom.noiseSigma = noise(random);
  s.huOffset = std::round(offset(random));
  s.inPlaneScale = scale(random);
  s.info.seriesNumber = number;
  s.info.seriesDescription = "Series " + std::to_string(number);
  s.info.rescaleIntercept = -1024;
  return s;
}

int seriesOf(const std::string& unit) { return std::stoi(unit.substr(0, unit.find('_'))); }

std::string query(const fs::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string out = "<error>";
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(stmt, 0);
    out = t ? reinterpret_cast<const char*>(t) : "";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return out;
}

}  // namespace

// 100 clean series and 10 with defects, two of each kind.
class CohortOutliers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("cohort-outliers");
    std::mt19937 random(2026);
    for (int n = 1; n <= 110; ++n) {
      test::CohortSeries s = cleanSeries(n, random);
      switch (n > 100 ? (n - 101) % 5 : -1) {
        case 0: s.phantom.noiseSigma *= 3; break;              // noise x3
        case 1: s.huOffset += 60; break;                        // +60 HU calibration offset
        case 2: s.phantom.size[0] = 34; break;                  // field of view cuts the body at the sides
        case 3: s.dropSlice = 7; break;                         // a missing slice
        case 4: s.inPlaneScale = 0.5; break;                    // a body far smaller than the rest
        default: break;
      }
      test::writeCohortSeries(dir_->path() / "export" / ("S" + std::to_string(n)), s);
    }
    test::runCohortPipeline(dir_->path() / "export", out(), dir_->path(), 0);
    const auto r = test::runMedpipe("cohort build '" + out().string() + "' --input '" + (dir_->path() / "export").string() + "' -q");
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path out() { return dir_->path() / "out"; }
  static test::TempDir* dir_;
};
test::TempDir* CohortOutliers::dir_ = nullptr;

TEST_F(CohortOutliers, DefectsAreFlaggedAndCleanSeriesAreNot) {
  const auto r = test::runMedpipe("cohort outliers '" + out().string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const auto matrix = cohort::loadCohortMatrix(out(), {});
  ASSERT_EQ(matrix.units.size(), 220u);  // per unit label 1 (tissue, body, spine) and 2 (arm bone)
  const auto report = cohort::findOutliers(matrix);
  std::set<int> flagged;
  std::map<int, std::set<std::string>> rules;
  for (const auto& f : report.flags) flagged.insert(seriesOf(f.unit)), rules[seriesOf(f.unit)].insert(f.rule + " " + f.column);
  int defects = 0, clean = 0;
  for (int n : flagged) (n > 100 ? defects : clean)++;
  std::string clean_list;
  for (int n : flagged)
    if (n <= 100)
      for (const auto& rule : rules[n]) clean_list += std::to_string(n) + ": " + rule + "\n";
  std::cout << "[ figures  ] defects flagged " << defects << " of 10, clean series flagged " << clean << " of 100\n";
  EXPECT_GE(defects, 9) << r.out;
  EXPECT_LE(clean, 3) << clean_list;
  // The flag names what fired: the noisy series by the soft tissue's spread, the offset by its mean,
  // the missing slice by the series facts, the small body by its volume.
  EXPECT_TRUE(rules[101].count("robust-z tissue-stats.std")) << r.out;
  EXPECT_TRUE(rules[102].count("robust-z tissue-stats.mean")) << r.out;
  EXPECT_TRUE(rules[104].count("robust-z missing_slices")) << r.out;
  EXPECT_TRUE(rules[105].count("robust-z body-stats.volume-ml")) << r.out;
  EXPECT_FALSE(report.mahalanobisColumns.empty() && report.note.empty());
  // Written to the database, and the printed flags say column, value, range and rule.
  EXPECT_EQ(query(out() / "cohort.sqlite", "SELECT COUNT(*) FROM outliers"), std::to_string(report.flags.size()));
  EXPECT_NE(r.out.find("robust-z: tissue-stats.std = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cohort range "), std::string::npos) << r.out;
}

TEST_F(CohortOutliers, MahalanobisOnChosenColumnsFindsTheCombinedDefects) {
  const auto matrix = cohort::loadCohortMatrix(out(), {"tissue-stats.mean", "tissue-stats.std", "body-stats.volume-ml", "size_x"});
  ASSERT_EQ(matrix.columns.size(), 4u);
  const auto report = cohort::findOutliers(matrix);
  ASSERT_EQ(report.mahalanobisColumns.size(), 4u) << report.note;
  std::set<int> flagged;
  for (const auto& f : report.flags)
    if (f.rule == "mahalanobis") flagged.insert(seriesOf(f.unit));
  int defects = 0, clean = 0;
  for (int n : flagged) (n > 100 ? defects : clean)++;
  std::cout << "[ figures  ] Mahalanobis on 4 columns: defects flagged " << defects << " of 10, clean " << clean << " of 100\n";
  EXPECT_GE(defects, 7);  // the missing slice changes none of these four columns
  EXPECT_LE(clean, 3);
  // Deterministic for a seed.
  EXPECT_EQ(cohort::findOutliers(matrix).flags.size(), report.flags.size());
  // A column pattern that matches nothing is a clear error.
  const auto r = test::runMedpipe("cohort outliers '" + out().string() + "' --columns 'nothing-like-this*'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("--columns: 'nothing-like-this*' matches no column"), std::string::npos) << r.err;
}

// Three groups of 15 that differ in soft-tissue density (20, 60, 100 HU) and nothing else.
TEST(CohortCluster, ThreeGroupsAreRecovered) {
  test::TempDir dir("cohort-cluster");
  std::mt19937 random(17);
  std::vector<int> truth;
  for (int n = 1; n <= 45; ++n) {
    test::CohortSeries s = cleanSeries(n, random);
    const int group = (n - 1) % 3;
    s.phantom.hu.softTissue = static_cast<float>(20 + 40 * group);
    truth.push_back(group);
    test::writeCohortSeries(dir / "export" / ("S" + std::to_string(n)), s);
  }
  test::runCohortPipeline(dir / "export", dir / "out", dir.path(), 0);
  ASSERT_EQ(test::runMedpipe("cohort build '" + (dir / "out").string() + "' -q").exitCode, 0);

  // The default: every numeric column, standardised; constant ones and near-duplicates (|r| > 0.95
  // with an earlier column: voxels and volume, spacing x and y) left out; of the rest only the
  // columns that fall into groups of their own. Density does (three groups); noise, size and the
  // extremes they drive only vary, and weighed alike they would decide the clusters (screen: none).
  const auto all = cohort::rowsWithLabel(cohort::loadCohortMatrix(dir / "out", {}), 1);
  std::vector<int> groups;
  for (const auto& unit : all.units) groups.push_back(truth[static_cast<size_t>(seriesOf(unit) - 1)]);
  auto has = [](const std::vector<std::string>& v, const std::string& c) { return std::find(v.begin(), v.end(), c) != v.end(); };
  cohort::ClusterOptions unscreened;
  unscreened.screen = cohort::ColumnScreen::None;
  const auto everyVarying = cohort::clusterCohort(all, unscreened);
  EXPECT_TRUE(has(everyVarying.columns, "tissue-stats.voxels") && has(everyVarying.dropped, "tissue-stats.volume-ml"));
  EXPECT_TRUE(has(everyVarying.columns, "spacing_x_mm") && has(everyVarying.dropped, "spacing_y_mm"));
  EXPECT_TRUE(has(everyVarying.dropped, "size_x"));  // constant
  EXPECT_EQ(everyVarying.columns.size() + everyVarying.dropped.size(), all.columns.size());
  double otherStructure = 0;
  for (size_t j = 0; j < everyVarying.columns.size(); ++j)
    if (everyVarying.columns[j] != "tissue-stats.mean") otherStructure = std::max(otherStructure, everyVarying.structure[j]);
  const double unscreenedRand = cohort::adjustedRandIndex(groups, everyVarying.assignment);
  EXPECT_LT(unscreenedRand, 0.6);

  const auto byDefault = cohort::clusterCohort(all, {});
  std::cout << "[ figures  ] default: " << byDefault.columns.size() << " column(s) clustered (1-D silhouette "
            << byDefault.structure.at(0) << "), " << byDefault.screenedOut.size() << " without groups (best "
            << otherStructure << "), k " << byDefault.k << ", adjusted Rand " << cohort::adjustedRandIndex(groups, byDefault.assignment)
            << "; every varying column alike: k " << everyVarying.k << ", adjusted Rand " << unscreenedRand << "\n";
  EXPECT_EQ(byDefault.columns, std::vector<std::string>{"tissue-stats.mean"});
  EXPECT_EQ(byDefault.screenedOut.size() + 1, everyVarying.columns.size());
  EXPECT_EQ(byDefault.k, 3);
  EXPECT_GE(cohort::adjustedRandIndex(groups, byDefault.assignment), 0.9);
  EXPECT_EQ(cohort::clusterCohort(all, {}).assignment, byDefault.assignment);  // the same again for the same seed

  const auto cli = test::runMedpipe("cohort cluster '" + (dir / "out").string() + "'");  // k: auto is the default
  ASSERT_EQ(cli.exitCode, 0) << cli.err;
  EXPECT_NE(cli.out.find("k = 3 on 1 standardised column(s), 45 unit(s) of label 1"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("columns with groups of their own (1-D silhouette >= 0.71): tissue-stats.mean 0."), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("left out, no groups of their own: spacing_x_mm tissue-stats.voxels"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("left out (empty, constant, or correlated above 0.95 with an earlier column): "), std::string::npos) << cli.out;
  EXPECT_EQ(query(dir / "out" / "cohort.sqlite", "SELECT COUNT(DISTINCT cluster) FROM clusters"), "3");

  // Chosen columns are clustered as they are: the two density columns, no screen needed.
  const std::string columns = "tissue-stats.mean,body-stats.mean";
  const auto r = test::runMedpipe("cohort cluster '" + (dir / "out").string() + "' --k auto --screen none --columns " + columns);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("k = 3 "), std::string::npos) << r.out;
  const auto matrix = cohort::rowsWithLabel(cohort::loadCohortMatrix(dir / "out", {"tissue-stats.mean", "body-stats.mean"}), 1);
  std::vector<int> expected;
  for (const auto& unit : matrix.units) expected.push_back(truth[static_cast<size_t>(seriesOf(unit) - 1)]);
  EXPECT_GE(cohort::adjustedRandIndex(expected, cohort::clusterCohort(matrix, unscreened).assignment), 0.9);
  // A fixed k is honoured.
  const auto two = test::runMedpipe("cohort cluster '" + (dir / "out").string() + "' --k 2 --columns " + columns);
  ASSERT_EQ(two.exitCode, 0) << two.err;
  EXPECT_NE(two.out.find("k = 2 "), std::string::npos) << two.out;
  const auto one = test::runMedpipe("cohort cluster '" + (dir / "out").string() + "' --k 1");
  EXPECT_EQ(one.exitCode, 1);
  EXPECT_NE(one.err.find("--k: '1' is neither a whole number 2 .. 100 nor auto"), std::string::npos) << one.err;
}

TEST(CohortClusterMath, AdjustedRandIndexKnownValues) {
  EXPECT_DOUBLE_EQ(cohort::adjustedRandIndex({0, 0, 1, 1}, {1, 1, 0, 0}), 1.0);
  // Hubert and Arabie's example as computed by scikit-learn: ARI([0,0,1,1], [0,0,1,2]) = 0.5714...
  EXPECT_NEAR(cohort::adjustedRandIndex({0, 0, 1, 1}, {0, 0, 1, 2}), 0.5714285714, 1e-9);
  // Worse than chance: (0 - 6 * 3 / 15) / ((6 + 3) / 2 - 6 * 3 / 15) = -4 / 11.
  EXPECT_NEAR(cohort::adjustedRandIndex({0, 0, 0, 1, 1, 1}, {0, 1, 2, 0, 1, 2}), -4.0 / 11, 1e-12);
}

TEST(CohortOutlierMath, ChiSquareQuantilesMatchTables) {
  // Reference values: chi-square tables (e.g. R's qchisq).
  EXPECT_NEAR(cohort::chiSquareQuantile(4, 0.999), 18.4668, 1e-3);
  EXPECT_NEAR(cohort::chiSquareQuantile(10, 0.975), 20.4832, 1e-3);
  EXPECT_NEAR(cohort::chiSquareQuantile(30, 0.5), 29.3360, 1e-3);
  EXPECT_NEAR(cohort::chiSquareQuantile(1, 0.95), 3.84146, 1e-4);
  // F(2, 2) has CDF x / (1 + x): its 0.95 quantile is 19; F(1, large) tends to chi^2(1).
  EXPECT_NEAR(cohort::fQuantile(0.95, 2, 2), 19.0, 1e-6);
  EXPECT_NEAR(cohort::fQuantile(0.95, 1, 1e7), 3.84146, 1e-3);
  EXPECT_NEAR(cohort::fQuantile(0.99, 5, 10), 5.6363, 1e-3);  // F tables
}

}  // namespace medpipe
