// Bad pipeline configs (fuzz_pipeline_config's findings and their relatives): every shape of YAML
// the reader does not expect ends in medpipe::Error with file:line:column, never another exception.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/pipeline/config_validation.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe {
namespace {

// The error parsing + planning gives, or "" when the config is accepted.
std::string errorOf(const std::string& yaml) {
  try {
    const PipelineConfig config = parsePipelineConfig(yaml, "c.yaml");
    const PipelinePlan plan = planPipeline(config);
    return plan.ok() ? "" : plan.problems.front().str();
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace

// Found by fuzz_pipeline_config: "? radius: 1.0" makes a mapping the key of a step entry;
// yaml-cpp's TypedBadConversion escaped parsePipelineConfig (std::terminate in the harness).
TEST(BadConfig, FuzzMappingAsAKeyIsAnErrorWithItsPosition) {
  EXPECT_EQ(errorOf("steps:\n  s:\n    stage: median\n    input: input\n    ? radius: 1.0\n"),
            "c.yaml:5:7: a key must be a plain name, not a list or mapping");
  EXPECT_EQ(errorOf("steps:\n  ? [a, b]\n  : {stage: median}\n"), "c.yaml:2:5: a key must be a plain name, not a list or mapping");
  EXPECT_EQ(errorOf("? {x: 1}\n: 2\n"), "c.yaml:1:3: a key must be a plain name, not a list or mapping");
}

TEST(BadConfig, OtherUnexpectedShapesAreErrorsWithPositions) {
  for (const std::string& yaml : std::vector<std::string>{"variables: [a, b]\n", "input: [a, b]\n", "input: {path: [a]}\n",
                                 "steps:\n  s: {stage: median, input: {image: [x]}}\n", "outputs: [[1]]\n",
                                 "outputs:\n  - {step: [a], file: b}\n", "steps:\n  s: {stage: [median]}\n",
                                 "input: ${nope}\n", "[1, 2]\n", "steps:\n  s: {stage: median, radius: {voxel: 3}}\n",
                                 "a: &x [*x]\n", std::string(2000, '[') + std::string(2000, ']') + "\n"}) {
    const std::string error = errorOf(yaml);
    EXPECT_FALSE(error.empty()) << yaml;
    EXPECT_EQ(error.rfind("c.yaml", 0), 0u) << yaml << " -> " << error;
  }
}

// Fields run rejects are rejected by the planner, before any image is read (issue 14, points 1, 4, 11).
TEST(BadConfig, OutputOptionsSelectorAndPathsAreValidationErrors) {
  EXPECT_EQ(errorOf("input: /d\noutputs:\n  - {step: input, file: p.png, format: preview, size: abc}\n"),
            "c.yaml:3:55: step 'input': output 'p.png': option 'size': 'abc' is not a number (allowed: 16 .. 4096)");
  EXPECT_EQ(errorOf("input: /d\noutputs:\n  - {step: input, file: p.png, format: preview, size: 12x}\n"),
            "c.yaml:3:55: step 'input': output 'p.png': option 'size': '12x' is not a number (allowed: 16 .. 4096)");
  EXPECT_EQ(errorOf("input: /d\noutputs:\n  - {step: input, file: s, format: dicom, deidentify: si}\n"),
            "c.yaml:3:55: step 'input': output 's': option 'deidentify': 'si' is not true or false (also yes/no, on/off, "
            "in any case)");
  EXPECT_EQ(errorOf("input: /d\noutputs:\n  - {step: input, file: s, format: dicom, deidentify: Yes}\n"), "");
  EXPECT_EQ(errorOf("input:\n  path: /d\n  series: modalty=CT\n"),
            "c.yaml:3:11: input.series: unknown selector 'modalty' (use uid=, number=, description= or modality=)");
  EXPECT_EQ(errorOf("input: /d\noutputs:\n  - {step: input, file: ../escaped.nii.gz}\n"),
            "c.yaml:3:25: step 'input': output '../escaped.nii.gz': 'file:' leads out of the output folder ('..')");
  EXPECT_EQ(errorOf("input: /d\noutputs:\n  - {step: input, file: /tmp/x.nii.gz}\n"),
            "c.yaml:3:25: step 'input': output '/tmp/x.nii.gz': 'file:' must be relative to the output folder, not an "
            "absolute path");
}

}  // namespace medpipe
