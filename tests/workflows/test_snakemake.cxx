// workflows/Snakefile run by Snakemake on a generated export with one corrupt series: the good
// units finish, the bad one is reported, and a second invocation does no work.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.h"

namespace medpipe {

TEST(Snakemake, RunsEveryUnitReportsTheCorruptOneAndResumes) {
  if (test::runCommand("command -v snakemake").exitCode != 0)
    GTEST_SKIP() << "snakemake not found (Debian package snakemake, installed by scripts/install-deps.sh); skipping";
  test::TempDir dir("snakemake");
  PhantomSpec spec;
  spec.size = {48, 48, 8};
  spec.spacing = {4, 4, 10};
  test::writePhantomExport(dir / "export", 4, spec);
  const auto victim = dir / "export" / "S3" / "IM0002.dcm";
  std::filesystem::resize_file(victim, std::filesystem::file_size(victim) - 700);
  // A fifth folder whose files are all cut inside their headers: no unit, an UNREADABLE row.
  test::writePhantomExport(dir / "export" / "damaged", 1, spec);
  for (const auto& f : std::filesystem::directory_iterator(dir / "export" / "damaged" / "S1"))
    std::filesystem::resize_file(f.path(), 400);

  // The shipped config plus a cohort: section, which the workflow runs after the cohort build.
  const std::filesystem::path config = dir / "ct-bone-mined.yaml";
  {
    std::ifstream shipped(std::string(MEDPIPE_SOURCE_DIR) + "/configs/ct-bone.yaml");
    std::ofstream(config) << shipped.rdbuf() << "cohort:\n  outliers: {mahalanobis: off}\n";
  }
  const std::string exeDir = std::filesystem::path(MEDPIPE_EXE).parent_path().string();
  const std::string command = "cd '" + dir.path().string() + "' && PATH='" + exeDir + "':$PATH snakemake -s '" +
                              MEDPIPE_SOURCE_DIR + "/workflows/Snakefile' -j 2 --config medpipe_config='" +
                              config.string() + "' input='" + (dir / "export").string() +
                              "' output='" + (dir / "out").string() + "'";
  const auto first = test::runCommand(command);
  ASSERT_EQ(first.exitCode, 0) << first.out << first.err;
  EXPECT_NE(first.err.find("medpipe: failed unit 3_Series_3_"), std::string::npos) << first.err;
  const std::string unreadable = "damaged/S1/\tUNREADABLE\t8 file(s) could not be read, the first IM0001.dcm: "
                                 "(0008,0008): value length 22 runs past the end of the file (file is 400 bytes)";
  EXPECT_NE(first.err.find("medpipe: unreadable input damaged/S1/: 8 file(s)"), std::string::npos) << first.err;

  std::ifstream summary(dir / "out" / "summary.tsv");
  std::stringstream text;
  text << summary.rdbuf();
  EXPECT_NE(text.str().find("\n" + unreadable + "\n"), std::string::npos) << text.str();
  size_t ok = 0, failed = 0;
  std::string line;
  while (std::getline(text, line)) {
    ok += line.find("\tok\t") != std::string::npos;
    if (line.find("\tFAILED\t") != std::string::npos) {
      ++failed;
      EXPECT_NE(line.find("IM0002.dcm: PixelData: value length"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(ok, 3u) << text.str();
  EXPECT_EQ(failed, 1u) << text.str();
  // The workflow ends with the cohort database and table, failed unit included.
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "cohort.sqlite"));
  std::ifstream cohortCsv(dir / "out" / "cohort.csv");
  size_t cohortRows = 0, failedRows = 0;
  for (std::string row; std::getline(cohortCsv, row); ++cohortRows) failedRows += row.find(",failed,") != std::string::npos;
  EXPECT_EQ(cohortRows, 1u + 4u) << "header and one row per unit (one label each)";
  EXPECT_EQ(failedRows, 1u);
  EXPECT_NE((first.out + first.err).find(" of 3 unit/label row(s) flagged on "), std::string::npos)
      << first.out << first.err;
  for (const auto& unit : std::filesystem::directory_iterator(dir / "out")) {
    const std::string name = unit.path().filename().string();
    if (name.rfind("1_", 0) == 0 || name.rfind("2_", 0) == 0 || name.rfind("4_", 0) == 0) {
      EXPECT_TRUE(std::filesystem::exists(unit.path() / "spine-stats.csv")) << name;
    }
  }

  const auto second = test::runCommand(command);
  ASSERT_EQ(second.exitCode, 0) << second.err;
  EXPECT_NE((second.out + second.err).find("Nothing to be done"), std::string::npos) << second.out << second.err;
}

}  // namespace medpipe
