// medpipe run / validate through the executable: dry run, a batch over an export with a corrupt
// series, the summary and exit code, resuming, --set.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "test_support.h"

namespace medpipe {
namespace {

const char* kConfig = R"(input:
  path: ${input_dir}
  series: modality=CT
steps:
  bone:
    stage: binary-threshold
    input: input
    lower: 300
    upper: 3000
  stats:
    stage: label-statistics
    input: {image: input, labels: bone}
outputs:
  - {step: bone, file: bone.nii.gz}
  - {step: stats, file: stats.csv}
)";

class RunExport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "config.yaml") << kConfig;
    PhantomSpec spec;
    spec.size = {48, 48, 8};
    spec.spacing = {4, 4, 10};
    test::writePhantomExport(dir_ / "export", 3, spec);
    // Series 2 loses the end of one slice's pixel data.
    const auto victim = dir_ / "export" / "S2" / "IM0003.dcm";
    std::filesystem::resize_file(victim, std::filesystem::file_size(victim) - 500);
  }
  std::string args(const std::string& extra = "") const {
    return "run '" + (dir_ / "config.yaml").string() + "' --input '" + (dir_ / "export").string() + "' --output '" +
           (dir_ / "out").string() + "' " + extra;
  }
  test::TempDir dir_{"run-export"};
};

}  // namespace

TEST_F(RunExport, DryRunPrintsUnitsStepsAndOutputsAndWritesNothing) {
  const auto r = test::runMedpipe(args("--dry-run"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("3 unit(s):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  1. bone = binary-threshold(image=input, inside-value=1, lower=300, upper=3000)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  stats.csv  <- stats"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
}

TEST_F(RunExport, CorruptSeriesFailsAloneAndTheRunSaysSo) {
  const auto r = test::runMedpipe(args("-j 2 --quiet"));
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("3 unit(s), 1 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("IM0003.dcm: PixelData: value length"), std::string::npos) << r.err;
  size_t finished = 0;
  for (const auto& unit : std::filesystem::directory_iterator(dir_ / "out")) {
    const bool complete = std::filesystem::exists(unit.path() / "provenance.json");
    finished += complete;
    if (unit.path().filename().string().rfind("2_Series_2", 0) == 0) {
      EXPECT_FALSE(complete);
      EXPECT_FALSE(std::filesystem::exists(unit.path() / "bone.nii.gz"));
    } else {
      EXPECT_TRUE(std::filesystem::exists(unit.path() / "stats.csv"));
    }
  }
  EXPECT_EQ(finished, 2u);

  // A second run does no work for the finished units.
  const auto again = test::runMedpipe(args());
  EXPECT_EQ(again.exitCode, 1);
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n') >= 2, true);
  EXPECT_NE(again.err.find("already complete, skipped"), std::string::npos) << again.err;
  EXPECT_NE(again.out.find("skipped"), std::string::npos) << again.out;
}

TEST_F(RunExport, SetOverridesAParameterOfOneStep) {
  const auto r = test::runMedpipe(args("--series number=1 --dry-run --set bone.lower=500"));
  // --series is not an option of run: the selector lives in the config (input.series).
  EXPECT_EQ(r.exitCode, 2);
  const auto s = test::runMedpipe(args("--dry-run --set bone.lower=500 --set input.series=number=1"));
  ASSERT_EQ(s.exitCode, 0) << s.err;
  EXPECT_NE(s.out.find("1 unit(s):"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("lower=500"), std::string::npos) << s.out;
}

TEST(CliValidate, ExitCodeAndMessages) {
  test::TempDir dir("validate");
  std::ofstream(dir / "good.yaml") << kConfig;
  std::ofstream(dir / "bad.yaml") << "input: /x\nsteps:\n  a:\n    stage: medain\n    input: input\n";
  auto r = test::runMedpipe("validate '" + (dir / "good.yaml").string() + "' --var input_dir=/data");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir / "good.yaml").string() + ": OK (2 steps, 2 outputs)\n");
  r = test::runMedpipe("validate '" + (dir / "bad.yaml").string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, (dir / "bad.yaml").string() + ":4:12: step 'a': unknown stage 'medain' (did you mean 'median'?)\n" +
                       (dir / "bad.yaml").string() + ": 1 problem(s)\n");
}

TEST(CliRun, ShippedConfigsValidate) {
  for (const char* name : {"ct-bone", "ct-lung", "mr-brain", "mr-tissue-classes", "dicom-to-nifti"}) {
    const auto r = test::runMedpipe(std::string("validate '") + MEDPIPE_SOURCE_DIR + "/configs/" + name + ".yaml' --var input_dir=/data");
    EXPECT_EQ(r.exitCode, 0) << name << ": " << r.err;
  }
}

TEST(CliRun, DemoConfigOnTheSampleStudyFindsTheSpine) {
  test::TempDir dir("demo");
  const auto r = test::runMedpipe(std::string("run '") + MEDPIPE_SOURCE_DIR + "/configs/ct-bone.yaml' --input '" +
                                  MEDPIPE_SOURCE_DIR + "/testdata/sample-ct' --output '" + dir.path().string() + "' --quiet");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream csv(dir / "spine-stats.csv");
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  std::ifstream provenance(dir / "provenance.json");
  const std::string record((std::istreambuf_iterator<char>(provenance)), {});
  const bool withVtk = test::runMedpipe("--version").out.find("VTK (not built in)") == std::string::npos;
  EXPECT_EQ(record.find("\"vtk\": \"9.1") != std::string::npos, withVtk) << record;
  // Spine: a 12 mm radius cylinder through all 64 slices of 2.5 mm = pi * 144 * 160 mm^3 = 72.4 mL.
  const double volumeMl = std::stod(row.substr(row.find(',', row.find(',') + 1) + 1));
  EXPECT_NEAR(volumeMl, 72.4, 0.01 * 72.4) << row;
}

}  // namespace medpipe
