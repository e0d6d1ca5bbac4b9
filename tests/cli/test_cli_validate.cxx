// medpipe validate checks every field run would reject, before any image is read; library errors
// name the field and the CLI names the flag where the value came from one.
#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace medpipe {
namespace {

const char* kBadConfig = R"(input:
  path: ${input_dir}
  series: modalty=CT
steps:
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
outputs:
  - {step: input, file: p.png, format: preview, size: abc}
  - {step: bone, file: seg.dcm, format: dicom, deidentify: maybe}
  - {step: bone, file: ../escaped.nii.gz}
  - {step: bone, file: /tmp/medpipe-escaped.nii.gz}
)";

bool builtWithVtk() { return test::runMedpipe("--version").out.find("VTK (not built in)") == std::string::npos; }

}  // namespace

TEST(CliValidate, ReportsEveryFieldRunWouldRejectWithItsPosition) {
  test::TempDir dir("cli-validate-fields");
  const std::string config = (dir / "c.yaml").string();
  std::ofstream(config) << kBadConfig;
  const auto r = test::runMedpipe("validate '" + config + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            config + ":3:11: input.series: unknown selector 'modalty' (use uid=, number=, description= or modality=)\n" +
                config + ":7:55: step 'input': output 'p.png': option 'size': 'abc' is not a number (allowed: 16 .. 4096)\n" +
                config + ":8:60: step 'bone': output 'seg.dcm': option 'deidentify': 'maybe' is not true or false (also "
                         "yes/no, on/off, in any case)\n" +
                config + ":9:24: step 'bone': output '../escaped.nii.gz': 'file:' leads out of the output folder ('..')\n" +
                config + ":10:24: step 'bone': output '/tmp/medpipe-escaped.nii.gz': 'file:' must be relative to the output "
                         "folder, not an absolute path\n" +
                config + ": 5 problem(s)\n");
  // run stops at the same problems, before reading anything or creating the output folder.
  const auto run = test::runMedpipe("run '" + config + "' --input '" + (dir / "nothing").string() + "' --output '" +
                                    (dir / "out").string() + "'");
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find(":3:11: input.series: unknown selector 'modalty'"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(CliValidate, OverridesAreNamedAsSetAndFlagsByTheirFlag) {
  test::TempDir dir("cli-validate-flags");
  const std::string config = (dir / "c.yaml").string();
  std::ofstream(config) << "input: /data\nsteps:\n  s: {stage: gaussian, input: input}\n";
  auto r = test::runMedpipe("validate '" + config + "' --set input.series=modalty=CT --set s.sigma=900");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "--set: input.series: unknown selector 'modalty' (use uid=, number=, description= or modality=)\n"
                   "--set: step 's': gaussian.sigma: 900 is out of range [0.01, 100] mm\n" +
                       config + ": 2 problem(s)\n");
  r = test::runMedpipe("validate '" + config + "' --set t.sigma=1");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe validate: error: --set: t.sigma: no step named 't'\n");
  r = test::runMedpipe("convert '" + dir.path().string() + "' -o '" + (dir / "out").string() + "' --series modalty=CT");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe convert: error: --series: unknown selector 'modalty' (use uid=, number=, description= or "
                   "modality=)\n");
}

TEST(CliValidate, RenderOutputIsDeclaredInEveryBuild) {
  test::TempDir dir("cli-validate-render");
  const std::string config = (dir / "c.yaml").string();
  std::ofstream(config) << "input: /data\noutputs:\n  - {step: input, file: r.png, format: render, view: sideways, "
                           "size: 10x10, preset: ct-bones}\n";
  const auto r = test::runMedpipe("validate '" + config + "'");
  EXPECT_EQ(r.exitCode, 1);
  if (!builtWithVtk()) {
    EXPECT_EQ(r.err.rfind(config + ":3:5: step 'input': format 'render': this medpipe is built without VTK", 0), 0u) << r.err;
    return;
  }
  EXPECT_EQ(r.err, config + ":3:85: step 'input': output 'r.png': option 'preset': 'ct-bones' is not one of: ct-bone, "
                            "ct-soft-tissue, ct-lung, mr-default, mip (did you mean 'ct-bone'?)\n" +
                       config + ":3:70: step 'input': output 'r.png': option 'size': width and height must be between 16 "
                                "and 8192 pixels\n" +
                       config + ":3:54: step 'input': output 'r.png': option 'view': 'sideways' is not one of anterior, "
                                "posterior, left, right, superior, inferior, or AZ,EL in degrees with |EL| <= 90\n" +
                       config + ": 3 problem(s)\n");
}

}  // namespace medpipe
