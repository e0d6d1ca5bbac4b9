// medpipe stages: the listing, one stage's page, and docs/stages.md kept in step with the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.h"

namespace medpipe {

TEST(CliStages, ListsStagesByCategory) {
  const auto r = test::runMedpipe("stages");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.rfind("denoise:\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  gaussian "), std::string::npos);
}

TEST(CliStages, DescribesOneStageWithUnitsDefaultsAndAnExample) {
  const auto r = test::runMedpipe("stages gaussian");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("  sigma  number, mm, default 1, range [0.01, 100]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Example step:\nsmooth:\n  stage: gaussian"), std::string::npos) << r.out;
}

TEST(CliStages, UnknownStageSuggestsTheClosestName) {
  const auto r = test::runMedpipe("stages gausian");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe stages: error: stage: unknown stage 'gausian' (did you mean 'gaussian'?)\n");
}

TEST(CliStages, CommittedDocsMatchTheDeclarations) {
  std::ifstream in(std::string(MEDPIPE_SOURCE_DIR) + "/docs/stages.md");
  ASSERT_TRUE(in) << "docs/stages.md is missing: cmake --build build --target stage-docs";
  std::stringstream committed;
  committed << in.rdbuf();
  const auto r = test::runMedpipe("stages --markdown");
  ASSERT_EQ(r.exitCode, 0);
  EXPECT_TRUE(committed.str() == r.out) << "docs/stages.md is out of date: run cmake --build build --target stage-docs";
}

// docs/outputs.md lists every output format, `render` included (declared in every build).
TEST(CliStages, CommittedOutputDocsMatchTheDeclarations) {
  std::ifstream in(std::string(MEDPIPE_SOURCE_DIR) + "/docs/outputs.md");
  ASSERT_TRUE(in) << "docs/outputs.md is missing: cmake --build build --target output-docs";
  std::stringstream committed;
  committed << in.rdbuf();
  const auto r = test::runMedpipe("stages --outputs-markdown");
  ASSERT_EQ(r.exitCode, 0);
  EXPECT_NE(r.out.find("## `render`"), std::string::npos);
  EXPECT_TRUE(committed.str() == r.out) << "docs/outputs.md is out of date: run cmake --build build --target output-docs";
}

}  // namespace medpipe
