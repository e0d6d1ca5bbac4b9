// The medpipe executable: overview, --version, every subcommand's --help, pending commands.
#include <gtest/gtest.h>

#include "medpipe/core/version.h"
#include "medpipe/io/gdcm_version.h"
#include "test_support.h"

namespace medpipe {

TEST(Cli, VersionNamesMedpipeItkGdcmAndVtk) {
  const auto r = test::runMedpipe("--version");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.out.find("medpipe " + medpipeVersion() + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ITK 5.2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GDCM " + gdcmVersion()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("VTK "), std::string::npos) << r.out;
}

TEST(Cli, EverySubcommandAnswersHelp) {
  for (const char* command : {"scan", "convert", "run", "validate", "stages", "render", "phantom"}) {
    const auto r = test::runMedpipe(std::string(command) + " --help");
    EXPECT_EQ(r.exitCode, 0) << command;
    EXPECT_EQ(r.out.rfind(std::string("Usage: medpipe ") + command, 0), 0u) << command << ": " << r.out;
  }
}

TEST(Cli, NoArgumentsPrintsTheOverviewAndExitsTwo) {
  const auto r = test::runMedpipe("");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.out.find("convert"), std::string::npos);
}

TEST(Cli, UnknownCommandIsAUsageError) {
  const auto r = test::runMedpipe("frobnicate");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "medpipe: error: unknown command 'frobnicate' (see medpipe --help)\n");
}

TEST(Cli, MissingRequiredOptionIsAUsageError) {
  const auto r = test::runMedpipe("convert /tmp");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err.rfind("medpipe: error: the option '--output' is required but missing", 0), 0u) << r.err;
}

}  // namespace medpipe
