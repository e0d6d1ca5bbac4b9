// medpipe cohort build on a real batch: phantom series through `medpipe run`, then the database's
// units, series facts, measurements (checked against the unit's own tables), wide table and CSV,
// incremental rebuilds, and that no PHI reaches the database unless asked.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <sstream>

#include "cohort_test_support.h"
#include "medpipe/filters/label_table.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

// Runs one query; each row as its columns' text ("" for NULL).
std::vector<std::vector<std::string>> query(const fs::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK) << db;
  std::vector<std::vector<std::string>> rows;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(handle);
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    auto& row = rows.emplace_back();
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      const auto* t = sqlite3_column_text(stmt, c);
      row.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return rows;
}

std::string one(const fs::path& db, const std::string& sql) {
  const auto rows = query(db, sql);
  return rows.empty() || rows[0].empty() ? "<no row>" : rows[0][0];
}

std::string fileText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Column `name` of a CSV table medpipe wrote, by label.
std::map<std::string, std::string> csvColumn(const fs::path& file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream h(line);
  for (std::string cell; std::getline(h, cell, ',');) header.push_back(cell);
  const size_t column = static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  std::map<std::string, std::string> values;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream r(line);
    for (std::string cell; std::getline(r, cell, ',');) cells.push_back(cell);
    values[cells.at(0)] = cells.at(column);
  }
  return values;
}

class CohortBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int n = 1; n <= 5; ++n) {
      test::CohortSeries s;
      s.phantom.size = {48, 48, 12};
      s.phantom.spacing = {4.5, 4.5, 5};
      s.phantom.seed = static_cast<unsigned>(n);
      s.info.seriesNumber = n;
      s.info.seriesDescription = "Series " + std::to_string(n);
      s.info.rescaleIntercept = -1024;
      s.info.studyInstanceUid = "1.2.826.0.1.3680043.99.17";
      s.info.seriesInstanceUid = "1.2.826.0.1.3680043.99.17." + std::to_string(n);
      s.info.patientName = "Doe^Jane";
      s.info.patientId = "PAT-4711";
      s.info.accessionNumber = "ACC-90210";
      if (n == 4) s.dropSlice = 5;  // a missing slice: resampled, reported in the health findings
      test::writeCohortSeries(dir_ / "export" / ("S" + std::to_string(n)), s);
    }
    // Series 5 loses the end of one slice's pixel data: that unit fails.
    const auto victim = dir_ / "export" / "S5" / "IM0003.dcm";
    fs::resize_file(victim, fs::file_size(victim) - 500);
    test::runCohortPipeline(dir_ / "export", out(), dir_.path(), 1);
  }
  fs::path out() const { return dir_ / "out"; }
  fs::path db() const { return dir_ / "out" / "cohort.sqlite"; }
  test::CommandResult build(const std::string& extra = "") const {
    return test::runMedpipe("cohort build '" + out().string() + "' --input '" + (dir_ / "export").string() + "' " + extra);
  }
  std::string unitOf(int series) const {
    for (const auto& e : fs::directory_iterator(out()))
      if (e.path().filename().string().rfind(std::to_string(series) + "_Series_" + std::to_string(series) + "_", 0) == 0)
        return e.path().filename().string();
    return "<none>";
  }
  test::TempDir dir_{"cohort-build"};
};

}  // namespace

TEST_F(CohortBuild, GathersUnitsFactsAndEveryTable) {
  const auto r = build();
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  // `run` already built the database at the end of the batch: nothing new to read.
  EXPECT_NE(r.out.find("5 unit(s) (0 added, 0 replaced, 5 unchanged, 1 failed"), std::string::npos) << r.out;
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM units WHERE status = 'ok'"), "4");
  // The failed series: its status.json says why, its facts are there, it has no measurements.
  const std::string u5 = unitOf(5);
  EXPECT_EQ(one(db(), "SELECT status FROM units WHERE unit = '" + u5 + "'"), "failed");
  EXPECT_NE(one(db(), "SELECT error FROM units WHERE unit = '" + u5 + "'").find("IM0003.dcm: PixelData: value length"), std::string::npos);
  EXPECT_EQ(one(db(), "SELECT modality || ' ' || slices_read FROM series JOIN units USING (unit_id) WHERE unit = '" + u5 + "'"), "CT 12");
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM measurements WHERE unit = '" + u5 + "'"), "0");

  // Series facts, from the export's headers.
  const std::string u1 = unitOf(1), u4 = unitOf(4);
  const auto facts = query(db(), "SELECT modality, manufacturer, spacing_x_mm, spacing_z_mm, size_x, size_y, size_z, "
                                 "slices_read, missing_slices, health FROM series JOIN units USING (unit_id) WHERE unit = '" + u1 + "'");
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0], (std::vector<std::string>{"CT", "medpipe", "4.5", "5.0", "48", "48", "12", "12", "0", "OK"}));
  EXPECT_EQ(one(db(), "SELECT missing_slices || ' ' || slices_read FROM series JOIN units USING (unit_id) WHERE unit = '" + u4 + "'"), "1 11");
  EXPECT_NE(one(db(), "SELECT health FROM series JOIN units USING (unit_id) WHERE unit = '" + u4 + "'").find("missing"), std::string::npos);

  // Measurements: every table (tissue and body: label 1; bones: spine 1 and arm 2), 15 features each
  // (the label column is the key), the JSON twin of bone-stats.csv not counted twice.
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM features"), "45");
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM measurements"), std::to_string(4 * (15 + 15 + 2 * 15)));
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM (SELECT unit, step, label, feature FROM measurements GROUP BY 1, 2, 3, 4)"),
            std::to_string(4 * 60));
  // The values are the unit's own tables, to the digits they were written with.
  for (const std::string feature : {"mean", "volume-ml", "centroid-x"}) {
    const auto table = csvColumn(out() / u1 / "bone-stats.csv", feature);
    for (const auto& [label, value] : table)
      EXPECT_DOUBLE_EQ(std::stod(one(db(), "SELECT value FROM measurements WHERE unit = '" + u1 + "' AND step = 'bone-stats' AND label = " +
                                               label + " AND feature = '" + feature + "'")),
                       std::stod(value))
          << feature << " of label " << label;
  }
  // The spine (label 1) is larger than the arm bone (label 2).
  EXPECT_GT(std::stod(one(db(), "SELECT \"bone-stats.volume-ml\" FROM wide WHERE unit = '" + u1 + "' AND label = 1")),
            2 * std::stod(one(db(), "SELECT \"bone-stats.volume-ml\" FROM wide WHERE unit = '" + u1 + "' AND label = 2")));

  // Wide: one row per unit and label; soft tissue has label 1 only.
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM wide"), "9");  // and the failed unit, once, without a label
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM wide WHERE label = 2 AND \"tissue-stats.mean\" IS NULL"), "4");
  const double tissueMean = std::stod(one(db(), "SELECT \"tissue-stats.mean\" FROM wide WHERE unit = '" + u1 + "' AND label = 1"));
  EXPECT_NEAR(tissueMean, 40, 3);  // the phantom's soft tissue, 40 HU
  // The CSV is the wide view: header + 8 rows, the same columns.
  const std::string csv = fileText(out() / "cohort.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10);
  EXPECT_EQ(csv.rfind("unit,label,status,error,modality,manufacturer,model,kernel,kvp,", 0), 0u) << csv.substr(0, 200);
  EXPECT_NE(csv.find(",tissue-stats.mean,"), std::string::npos);
}

TEST_F(CohortBuild, RerunsAddReplaceAndNeverDuplicate) {
  ASSERT_EQ(build().exitCode, 0);
  const std::string before = one(db(), "SELECT COUNT(*) FROM measurement_values");
  auto r = build();
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("(0 added, 0 replaced, 5 unchanged"), std::string::npos) << r.out;
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM measurement_values"), before);

  // A re-run unit replaces its rows: rerun unit 2 with --force, its tables are rewritten.
  const std::string u2 = unitOf(2);
  const std::string oldStamp = one(db(), "SELECT fingerprint FROM units WHERE unit = '" + u2 + "'");
  test::runCohortPipeline(dir_ / "export", out(), dir_.path(), 0, "--unit " + u2 + " --force");
  r = build();
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("(0 added, 1 replaced, 4 unchanged"), std::string::npos) << r.out;
  EXPECT_NE(one(db(), "SELECT fingerprint FROM units WHERE unit = '" + u2 + "'"), oldStamp);
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM measurement_values"), before);

  // A new series: added. A unit whose run breaks off (provenance gone): marked, its rows dropped.
  test::CohortSeries s;
  s.phantom.size = {48, 48, 12};
  s.phantom.spacing = {4.5, 4.5, 5};
  s.phantom.seed = 6;
  s.info.seriesNumber = 6;
  s.info.seriesDescription = "Series 6";
  s.info.rescaleIntercept = -1024;
  test::writeCohortSeries(dir_ / "export" / "S6", s);
  test::runCohortPipeline(dir_ / "export", out(), dir_.path(), 1);
  const std::string u3 = unitOf(3);
  fs::remove(out() / u3 / "provenance.json");
  fs::remove(out() / u3 / "tissue-stats.csv");
  std::ofstream(out() / u3 / "status.json") << R"({"unit": "x", "ok": false, "error": "step 'bones': out of memory", "seconds": 2})";
  r = build();
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // The batch added series 6 to the database itself; this build finds only unit 3 changed.
  EXPECT_NE(r.out.find("6 unit(s) (0 added, 1 replaced, 5 unchanged, 2 failed"), std::string::npos) << r.out;
  EXPECT_EQ(one(db(), "SELECT status || ': ' || error FROM units WHERE unit = '" + u3 + "'"), "failed: step 'bones': out of memory");
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM measurements WHERE unit = '" + u3 + "'"), "0");
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM measurement_values"), std::to_string(4 * 60));
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM wide WHERE unit = '" + u3 + "'"), "1");  // listed, without measurements
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM (SELECT unit, label FROM wide GROUP BY 1, 2 HAVING COUNT(*) > 1)"), "0");

  // A unit folder that is gone: kept, marked missing.
  fs::remove_all(out() / unitOf(6));
  r = build();
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("1 newly missing"), std::string::npos) << r.out;
}

TEST_F(CohortBuild, NoPhiUnlessAsked) {
  ASSERT_EQ(build().exitCode, 0);
  const std::string uid = "1.2.826.0.1.3680043.99.17";
  for (const auto& file : {db(), out() / "cohort.csv"}) {
    const std::string bytes = fileText(file);
    EXPECT_EQ(bytes.find(uid), std::string::npos) << file;
    EXPECT_EQ(bytes.find("Doe^Jane"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("PAT-4711"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("ACC-90210"), std::string::npos) << file;
  }
  // Hashes link series of one study without revealing it.
  EXPECT_EQ(one(db(), "SELECT COUNT(DISTINCT study_uid_hash) || ' ' || COUNT(DISTINCT series_uid_hash) FROM units"), "1 5");
  EXPECT_EQ(one(db(), "SELECT length(series_uid_hash) FROM units LIMIT 1"), "16");

  ASSERT_EQ(build("--show-phi").exitCode, 0);
  EXPECT_EQ(one(db(), "SELECT study_uid || ' ' || patient_id FROM units WHERE unit = '" + unitOf(1) + "'"), uid + " PAT-4711");
  EXPECT_NE(fileText(out() / "cohort.csv").find("PAT-4711"), std::string::npos);
  EXPECT_EQ(one(db(), "SELECT accession_number FROM units WHERE unit = '" + unitOf(1) + "'"), "ACC-90210");
  // And a build without it removes them again.
  ASSERT_EQ(build().exitCode, 0);
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM units WHERE series_uid IS NOT NULL OR patient_id IS NOT NULL OR accession_number IS NOT NULL"), "0");
  EXPECT_EQ(fileText(db()).find("ACC-90210"), std::string::npos);
  EXPECT_EQ(fileText(out() / "cohort.csv").find("PAT-4711"), std::string::npos);
}

TEST_F(CohortBuild, PandasReadsTheDatabaseAsDocumented) {
  ASSERT_EQ(build().exitCode, 0);
  // Debian's python3 (python3-pandas), not whatever python3 comes first on PATH.
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  if (test::runCommand(python + " -c 'import pandas'").exitCode != 0) GTEST_SKIP() << "python3-pandas not installed";
  // The example of docs/cohort.md.
  const auto r = test::runCommand(
      python + " -c \"import sqlite3, pandas as pd; con = sqlite3.connect('" + db().string() +
      "'); wide = pd.read_sql_query(\\\"SELECT * FROM wide WHERE status = 'ok'\\\", con); "
      "print(len(wide), int(wide.groupby('label')['bone-stats.volume-ml'].median().loc[1] > 0))\"");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "8 1\n");
}

TEST_F(CohortBuild, BadInputIsAClearError) {
  auto r = test::runMedpipe("cohort build '" + (dir_ / "nowhere").string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe cohort build: error: " + (dir_ / "nowhere").string() + ": not a folder\n");
  // A malformed record fails that unit, named, and the others are still gathered.
  std::ofstream(out() / unitOf(1) / "provenance.json") << "{\"outputs\": [";
  r = build();
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("warning: unit " + unitOf(1) + ": " + (out() / unitOf(1) / "provenance.json").string() + ": not valid JSON"),
            std::string::npos) << r.err;
  EXPECT_EQ(one(db(), "SELECT status FROM units WHERE unit = '" + unitOf(1) + "'"), "failed");
  EXPECT_EQ(one(db(), "SELECT COUNT(*) FROM units WHERE status = 'ok'"), "3");
  r = test::runMedpipe("cohort frobnicate");
  EXPECT_EQ(r.exitCode, 2);
}

}  // namespace medpipe

namespace medpipe {

TEST(CohortBuildSingle, ASeriesWrittenStraightIntoTheFolderIsOneUnitNamedAfterIt) {
  test::TempDir dir("cohort-single");
  test::CohortSeries s;
  s.phantom.size = {48, 48, 12};
  s.phantom.spacing = {4.5, 4.5, 5};
  s.info.rescaleIntercept = -1024;
  test::writeCohortSeries(dir / "export" / "S1", s);
  test::runCohortPipeline(dir / "export", dir / "single", dir.path(), 0);
  ASSERT_FALSE(std::filesystem::exists(dir / "single" / "cohort.sqlite"));  // run leaves a single series alone
  const auto r = test::runMedpipe("cohort build '" + (dir / "single").string() + "/' -q");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(one(dir / "single" / "cohort.sqlite", "SELECT unit || ' ' || status FROM units"), "single ok");
  EXPECT_EQ(one(dir / "single" / "cohort.sqlite", "SELECT COUNT(*) FROM wide"), "2");  // spine and arm bone
}

}  // namespace medpipe
