// medpipe run / validate through the executable: dry run, a batch over an export with a corrupt
// series, the summary and exit code, resuming, --set.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

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

// What the header check says of a phantom slice cut after 400 bytes.
const std::string kDamagedHeader = "(0008,0008): value length 22 runs past the end of the file (file is 400 bytes)";

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

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One phantom series and a config over it, run through the executable into dir/out.
class RunSeries : public ::testing::Test {
 protected:
  void SetUp() override {
    PhantomSpec spec;
    spec.size = {48, 48, 8};
    spec.spacing = {4, 4, 10};
    test::writePhantomSeries(spec, dir_ / "dicom");
  }
  std::string args(const std::string& config) const {
    std::ofstream(dir_ / "config.yaml") << config;
    return "'" + (dir_ / "config.yaml").string() + "' --input '" + (dir_ / "dicom").string() + "' --output '" +
           (dir_ / "out").string() + "'";
  }
  test::CommandResult run(const std::string& config) const { return test::runMedpipe("run " + args(config)); }
  test::TempDir dir_{"run-series"};
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
    if (!unit.is_directory()) continue;  // summary.tsv, cohort.sqlite, cohort.csv
    if (unit.path().filename() == "report") continue;  // the batch report, not a unit
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

// A series whose files are all damaged in their headers is no unit at all (its series cannot be
// known): the summary, summary.tsv and the exit code (3) say so, and convert agrees.
TEST(RunUnreadableInput, ADamagedSeriesIsInTheSummaryAndTheExitCode) {
  test::TempDir dir("run-unreadable");
  std::ofstream(dir / "config.yaml") << kConfig;
  PhantomSpec spec;
  spec.size = {48, 48, 8};
  spec.spacing = {4, 4, 10};
  test::writePhantomExport(dir / "export", 3, spec);
  for (const auto& f : std::filesystem::directory_iterator(dir / "export" / "S2")) std::filesystem::resize_file(f.path(), 400);
  const std::string run = "run '" + (dir / "config.yaml").string() + "' --input '" + (dir / "export").string() + "' ";
  const auto r = test::runMedpipe(run + "--output '" + (dir / "out").string() + "' --quiet");
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  const std::string detail = "8 file(s) could not be read, the first IM0001.dcm: " + kDamagedHeader;
  EXPECT_NE(r.out.find("\nS2/" + std::string(41, ' ') + "UNREADABLE -         " + detail + "\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n2 unit(s), 0 failed, 1 folder(s) with unreadable files\n"), std::string::npos) << r.out;
  const std::string tsv = slurp(dir / "out" / "summary.tsv");
  EXPECT_EQ(tsv.substr(0, tsv.find('\n')), "unit\tstatus\terror");
  EXPECT_NE(tsv.find("\nS2/\tUNREADABLE\t" + detail + "\n"), std::string::npos) << tsv;
  EXPECT_EQ(std::count(tsv.begin(), tsv.end(), '\n'), 4) << tsv;

  // One --unit (a workflow job) is not about the unreadable files: `plan` lists them instead.
  const auto plan = test::runMedpipe("plan '" + (dir / "config.yaml").string() + "' --input '" + (dir / "export").string() + "' --json");
  ASSERT_EQ(plan.exitCode, 0) << plan.err;
  EXPECT_NE(plan.out.find("\"files\": 8"), std::string::npos) << plan.out;
  const auto id = test::runMedpipe("plan '" + (dir / "config.yaml").string() + "' --input '" + (dir / "export").string() + "'");
  const auto unit = test::runMedpipe(run + "--output '" + (dir / "units").string() + "' --quiet --unit " +
                                     id.out.substr(0, id.out.find(' ')));
  EXPECT_EQ(unit.exitCode, 0) << unit.out << unit.err;

  const auto dry = test::runMedpipe(run + "--output '" + (dir / "dry").string() + "' --dry-run");
  EXPECT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_NE(dry.out.find("Left out (unreadable):\n  S2/  " + detail + "\n"), std::string::npos) << dry.out;

  // Nothing readable at all is an error (1), naming the first file.
  const auto none = test::runMedpipe("run '" + (dir / "config.yaml").string() + "' --input '" +
                                     (dir / "export" / "S2").string() + "' --output '" + (dir / "none").string() + "'");
  EXPECT_EQ(none.exitCode, 1) << none.err;
  EXPECT_EQ(none.err, "medpipe run: error: " + (dir / "export" / "S2").string() +
                          ": no readable DICOM images: 8 file(s) could not be read, the first " +
                          (dir / "export" / "S2" / "IM0001.dcm").string() + ": " + kDamagedHeader + "\n");

  // convert: the same code for the same export; a failed volume (1) outweighs it.
  const auto c = test::runMedpipe("convert '" + (dir / "export").string() + "' -o '" + (dir / "nii").string() + "'");
  EXPECT_EQ(c.exitCode, 3) << c.err;
  EXPECT_NE(c.err.find("S2/IM0008.dcm: " + kDamagedHeader + " (file skipped)"), std::string::npos) << c.err;
  const auto victim = dir / "export" / "S3" / "IM0003.dcm";
  std::filesystem::resize_file(victim, std::filesystem::file_size(victim) - 500);
  EXPECT_EQ(test::runMedpipe(run + "--output '" + (dir / "out2").string() + "' --quiet").exitCode, 1);
  EXPECT_EQ(test::runMedpipe("convert '" + (dir / "export").string() + "' -o '" + (dir / "nii2").string() + "'").exitCode, 1);
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

// Resume and provenance see the number as written: %g made 100.00001 and 100.00002 one "100".
TEST_F(RunSeries, ALastDigitChangeRerunsTheUnitAndProvenanceKeepsTheValue) {
  const auto config = [](const std::string& lower) {
    return "input: ${input_dir}\nsteps:\n  bone: {stage: binary-threshold, input: input, lower: " + lower +
           ", upper: 3000}\noutputs:\n  - {step: bone, file: bone.nii.gz}\n";
  };
  const auto first = run(config("100.00001"));
  ASSERT_EQ(first.exitCode, 0) << first.err;
  EXPECT_NE(slurp(dir_ / "out" / "provenance.json").find("\"lower\": \"100.00001\""), std::string::npos)
      << slurp(dir_ / "out" / "provenance.json");
  const auto same = run(config("100.00001"));
  EXPECT_NE(same.err.find("already complete, skipped"), std::string::npos) << same.err;
  const auto changed = run(config("100.00002"));
  ASSERT_EQ(changed.exitCode, 0) << changed.err;
  EXPECT_EQ(changed.err.find("skipped"), std::string::npos) << changed.err;
  EXPECT_NE(changed.err.find(": done\n"), std::string::npos) << changed.err;
  EXPECT_NE(slurp(dir_ / "out" / "provenance.json").find("\"lower\": \"100.00002\""), std::string::npos);
  const auto plan = test::runMedpipe("run " + args(config("100.00002")) + " --dry-run");
  EXPECT_NE(plan.out.find("lower=100.00002, upper=3000"), std::string::npos) << plan.out;
}

// Without a terminal, one line per step (ITK reports 1.0 many times per step; each used to print).
TEST_F(RunSeries, WithoutATerminalTheLogHasOneLinePerStep) {
  const std::string config = R"(input: ${input_dir}
steps:
  smooth: {stage: curvature-anisotropic-diffusion, input: input, iterations: 2}
  bone: {stage: binary-threshold, input: smooth, lower: 200, upper: 3000}
  spine: {stage: connected-components, input: bone, keep-largest: 1}
  stats: {stage: label-statistics, input: {image: input, labels: spine}}
outputs:
  - {step: spine, file: spine.nii.gz}
  - {step: stats, file: stats.csv}
)";
  const auto plan = test::runMedpipe("plan " + args(config));
  ASSERT_EQ(plan.exitCode, 0) << plan.err;
  const std::string unit = plan.out.substr(0, plan.out.find(' '));
  const auto r = run(config);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::regex seconds("[0-9]+\\.[0-9] s\\b");
  EXPECT_EQ(std::regex_replace(r.err, seconds, "#.# s"),
            "[1/4] smooth done in #.# s\n"
            "[2/4] bone done in #.# s\n"
            "[3/4] spine done in #.# s\n"
            "[4/4] stats done in #.# s\n"
            "medpipe run: " + unit + ": done\n"
            "medpipe run: report: " + (dir_ / "out" / "report" / "index.html").string() + "\n");
  const auto last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_EQ(last, "1 unit(s), 0 failed\n") << r.out;
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
