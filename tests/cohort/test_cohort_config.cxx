// The mining commands driven by a config: a pipeline config's `cohort:` section
// runs after the batch's cohort build (`medpipe run`), or alone (`medpipe
// cohort run CONFIG DB`); its options are the declarations the CLI flags come
// from, so bad ones are reported with file:line:column.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <random>

#include "cohort_test_support.h"
#include "medpipe/cohort/cohort_tasks.h"
#include "medpipe/pipeline/pipeline_config.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

long long count(const fs::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return n;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// 30 series in two groups of soft-tissue density; the outcome is the group.
void writeExport(const fs::path& root, const fs::path& outcomeCsv) {
  std::mt19937 random(5);
  std::uniform_real_distribution<double> noise(15, 25);
  std::ofstream outcome(outcomeCsv);
  outcome << "series_uid,dense\n";
  for (int n = 1; n <= 30; ++n) {
    test::CohortSeries s;
    s.phantom.size = {40, 40, 8};
    s.phantom.spacing = {5.4, 5.4, 7.5};
    s.phantom.seed = static_cast<unsigned>(n);
    s.phantom.noiseSigma = noise(random);
    s.phantom.hu.softTissue = n % 2 ? 20.0f : 90.0f;
    s.info.seriesNumber = n;
    s.info.seriesDescription = "Series " + std::to_string(n);
    s.info.rescaleIntercept = -1024;
    s.info.seriesInstanceUid = "1.2.826.0.1.3680043.99.21." + std::to_string(n);
    test::writeCohortSeries(root / ("S" + std::to_string(n)), s);
    outcome << s.info.seriesInstanceUid << "," << (n % 2 ? 0 : 1) << "\n";
  }
}

}  // namespace

TEST(CohortConfig, ABatchRunLeavesTheMiningTablesInTheDatabase) {
  test::TempDir dir("cohort-config");
  writeExport(dir / "export", dir / "outcome.csv");
  const fs::path config = dir / "mined.yaml";
  std::ofstream(config) << test::kCohortPipeline << R"(cohort:
  outliers: {mahalanobis: no}
  cluster:
    k: 2
    columns: [tissue-stats.mean, body-stats.mean]   # correlated above 0.95: only the first is used
  train:
    target: outcome.csv:dense
    model: ${output_dir}/dense-model.json
    columns: tissue-stats.*
    folds: 3
  predict:
    model: ${output_dir}/dense-model.json
)";
  const fs::path out = dir / "out";
  const auto v = test::runMedpipe("validate '" + config.string() + "'");
  EXPECT_EQ(v.exitCode, 0) << v.err;
  EXPECT_NE(v.out.find("4 cohort command(s)"), std::string::npos) << v.out;
  const auto r = test::runMedpipe("run '" + config.string() + "' --input '" + (dir / "export").string() + "' --output '" +
                                  out.string() + "' -j 2");
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const fs::path db = out / "cohort.sqlite";
  EXPECT_NE(r.out.find("Cohort outliers: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("robust Mahalanobis not asked for"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cohort cluster: k = 2 on 1 standardised column(s), 30 "
                       "unit(s) of label 1"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Cohort train: classification on 30 unit(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cohort predict: 30 unit(s) predicted, 0 refused"), std::string::npos) << r.out;
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM outliers WHERE rule = 'mahalanobis'"), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM clusters"), 30);
  // The two density groups are the two clusters.
  EXPECT_EQ(count(db,
                  "SELECT COUNT(DISTINCT c.cluster) FROM clusters c WHERE "
                  "CAST(substr(c.unit, 1, instr(c.unit, '_') - 1) AS INTEGER) % 2 = 1"),
            1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM model_importances"),
            static_cast<long long>(count(db, "SELECT COUNT(*) FROM features WHERE step = 'tissue-stats'")));
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM predictions"), 30);
  EXPECT_TRUE(fs::exists(out / "dense-model.json"));

  // The same section alone, on the database: `medpipe cohort run`.
  const fs::path section = dir / "section.yaml";
  std::ofstream(section) << "cohort:\n  cluster: {k: auto, max-k: 4, columns: "
                            "'tissue-stats.mean', seed: 3}\n";
  const auto c = test::runMedpipe("cohort run '" + section.string() + "' '" + out.string() + "'");
  ASSERT_EQ(c.exitCode, 0) << c.err;
  EXPECT_NE(c.out.find("cluster: k = 2 on 1 standardised column(s)"), std::string::npos) << c.out;
}

TEST(CohortConfig, BadOptionsAreReportedWithTheirPositions) {
  test::TempDir dir("cohort-config-bad");
  const fs::path config = dir / "bad.yaml";
  std::ofstream(config) << test::kCohortPipeline << R"(cohort:
  outliers:
    z: -2
    mahalanobis: maybe
  clusters: {k: 3}
  cluster:
    k: 1
    colums: [tissue-stats.mean]
  train:
    folds: many
    target: outcome.csv
)";
  const auto r = test::runMedpipe("validate '" + config.string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  const std::string f = config.string();
  for (const std::string& expected : {
           f + ":19:8: cohort.outliers: z: -2 is out of range [0.5, 100]",
           f + ":20:18: cohort.outliers: mahalanobis: 'maybe' is not true or "
               "false (also yes/no, on/off, in any case)\n",
           f + ":21:3: cohort: unknown command 'clusters' (did you mean "
               "'cluster'?)",
           f + ":23:8: cohort.cluster: k: '1' is neither a whole number 2 .. "
               "100 nor auto",
           f + ":24:13: cohort.cluster: colums: unknown option of cluster (did "
               "you mean 'columns'?)",
           f + ":26:12: cohort.train: folds: 'many' is not a number (allowed: "
               "2 .. 100)",
           f + ":27:13: cohort.train: target: 'outcome.csv': expected "
               "FILE.csv:COLUMN",
           f + ":25:3: cohort.train: model: required",
       })
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  EXPECT_NE(r.err.find("8 problem(s)"), std::string::npos) << r.err;
  // `run` checks the section before the batch starts.
  const auto run = test::runMedpipe("run '" + config.string() + "' --input '" + (dir / "nowhere").string() + "' --output '" +
                                    (dir / "out").string() + "'");
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find(f + ":21:3: cohort: unknown command 'clusters'"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "cohort.sqlite"));
}

TEST(CohortConfig, OptionsAreDeclaredOnceForFlagsConfigsAndDocs) {
  // YAML 1.1 booleans as the stages take them.
  const auto* outliers = cohort::findMiningCommand("outliers");
  ASSERT_NE(outliers, nullptr);
  for (const char* no : {"no", "off", "False", "NO"})
    EXPECT_FALSE(cohort::miningOptionValues(*outliers, {{"mahalanobis", no}}).flag("mahalanobis")) << no;
  EXPECT_TRUE(cohort::miningOptionValues(*outliers, {{"mahalanobis", "yes"}}).flag("mahalanobis"));
  EXPECT_DOUBLE_EQ(cohort::miningOptionValues(*outliers, {}).number("z"), 3.5);
  // The CLI's --help lists every declared option with its doc.
  for (const auto& command : cohort::miningCommands()) {
    if (!command.available) continue;
    const auto help = test::runMedpipe("cohort " + command.name + " --help");
    ASSERT_EQ(help.exitCode, 0) << help.err;
    for (const auto& spec : command.options) {
      EXPECT_NE(help.out.find("--" + spec.name), std::string::npos) << command.name << " --" << spec.name;
      EXPECT_NE(help.out.find(spec.doc.substr(0, 30)), std::string::npos) << command.name << " " << spec.name;
    }
  }
  // A flag's bad value is reported as the flag.
  const auto bad = test::runMedpipe("cohort outliers nowhere.sqlite --tukey-k 0");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find("--tukey-k: 0 is out of range [0.5, 100] (allowed: 0.5 .. 100)"), std::string::npos) << bad.err;
  // docs/cohort.md carries the option tables made from the declarations.
  const std::string doc = readText(fs::path(MEDPIPE_SOURCE_DIR) / "docs" / "cohort.md");
  if (doc.find(cohort::miningOptionsMarkdown()) == std::string::npos) {
    std::ofstream("cohort-options.md") << cohort::miningOptionsMarkdown();
    ADD_FAILURE() << "docs/cohort.md is out of date: put cohort-options.md "
                     "(written beside the test) under its ## Options";
  }
}

}  // namespace medpipe
