// Config validation: every kind of error, all at once, each with file:line:column.
#include <gtest/gtest.h>

#include "medpipe/core/error.h"
#include "medpipe/deep/network.h"
#include "medpipe/pipeline/config_validation.h"

namespace medpipe {
namespace {

std::vector<std::string> problemsOf(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  const PipelinePlan plan = planPipeline(parsePipelineConfig(yaml, "c.yaml", overrides));
  std::vector<std::string> lines;
  for (const auto& p : plan.problems) lines.push_back(p.str());
  return lines;
}

}  // namespace

TEST(ConfigValidation, ReportsEveryErrorWithItsPosition) {
  const std::string yaml = R"(input: /data
steps:
  smooth:
    stage: gausian
    input: input
  bone:
    stage: binary-threshold
    input: smoth
    lowr: 300
  grow:
    stage: connected-threshold
    input: input
    seeds: [[0, 0, 0]]
    lower: abc
  big:
    stage: gaussian
    input: input
    sigma: 500
  nowhere:
    stage: connected-threshold
    input: input
  a:
    stage: gaussian
    input: b
  b:
    stage: gaussian
    input: a
outputs:
  - {step: grow, file: grow.csv}
  - {step: big, file: big.csv}
  - {step: bgi, file: x.nii.gz}
)";
  const std::vector<std::string> expected = {
      "c.yaml:4:12: step 'smooth': unknown stage 'gausian' (did you mean 'gaussian'?)",
      "c.yaml:8:12: step 'bone': input 'smoth' names no step (did you mean 'smooth'?)",
      "c.yaml:9:11: step 'bone': binary-threshold.lowr: unknown parameter (did you mean 'lower'?)",
      "c.yaml:14:12: step 'grow': connected-threshold.lower: 'abc' is not a number",
      "c.yaml:18:12: step 'big': gaussian.sigma: 500 is out of range [0.01, 100] mm",
      "c.yaml:20:5: step 'nowhere': connected-threshold.seeds: is required",
      "c.yaml:24:12: step 'a': steps form a cycle: a -> b -> a",
      "c.yaml:29:5: step 'grow': output 'grow.csv' cannot hold a label map (use .nii.gz, .nii, .nrrd or .mha)",
      "c.yaml:30:5: step 'big': output 'big.csv' cannot hold an image (use .nii.gz, .nii, .nrrd or .mha)",
      "c.yaml:31:5: output names no step 'bgi' (did you mean 'big'?)",
  };
  EXPECT_EQ(problemsOf(yaml), expected);
}

TEST(ConfigValidation, TableOutputsNeedCsvOrJson) {
  const auto problems = problemsOf(R"(input: /data
steps:
  stats:
    stage: label-statistics
    input: {image: input, labels: input}
outputs:
  - {step: stats, file: stats.nii.gz}
)");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "c.yaml:5:12: step 'stats': input 'labels' must be labels, got image from 'input'");
  EXPECT_EQ(problems[1], "c.yaml:7:5: step 'stats': output 'stats.nii.gz' cannot hold a table (use .csv or .json)");
}

TEST(ConfigValidation, OverridesSetParametersAndBadOnesAreReportedAsOverrides) {
  const std::string yaml = "input: /data\nsteps:\n  s:\n    stage: gaussian\n    input: input\n    sigma: 1\n";
  EXPECT_TRUE(problemsOf(yaml, {"s.sigma=2.5"}).empty());
  const PipelinePlan plan = planPipeline(parsePipelineConfig(yaml, "c.yaml", {"s.sigma=2.5"}));
  EXPECT_DOUBLE_EQ(plan.steps.at(0).parameters.number("sigma"), 2.5);
  EXPECT_EQ(problemsOf(yaml, {"s.sigma=900"}),
            std::vector<std::string>{"override: step 's': gaussian.sigma: 900 is out of range [0.01, 100] mm"});
  try {
    parsePipelineConfig(yaml, "c.yaml", {"t.sigma=1"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "override: t.sigma: no step named 't'");
  }
}

TEST(ConfigValidation, VariablesAreExpandedAndUnknownOnesReported) {
  const std::string yaml = "input: ${input_dir}/ct\nvariables:\n  s: 2\nsteps:\n  g:\n    stage: gaussian\n    input: input\n    sigma: ${s}\n";
  const PipelineConfig config = parsePipelineConfig(yaml, "c.yaml", {}, {{"input_dir", "/x"}});
  EXPECT_EQ(config.inputPath, "/x/ct");
  EXPECT_EQ(config.steps.at(0).parameterText.at("sigma"), "2");
  try {
    parsePipelineConfig(yaml, "c.yaml");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "c.yaml:1:8: unknown variable ${input_dir}");
  }
}

TEST(ConfigValidation, YamlSyntaxErrorsCarryTheirPosition) {
  try {
    parsePipelineConfig("steps:\n  a: [1, 2\n", "c.yaml");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("c.yaml:3:1: ", 0), 0u) << e.what();
  }
}

TEST(ConfigValidation, JsonIsAcceptedToo) {
  const std::string json = R"({"input": "/data", "steps": {"g": {"stage": "gaussian", "input": "input", "sigma": 2}},
                               "outputs": [{"step": "g", "file": "g.nii.gz"}]})";
  EXPECT_TRUE(problemsOf(json).empty());
}

}  // namespace medpipe

namespace medpipe {

// The example step every stage documents is valid config: its stage, parameters and values check
// out (its inputs name steps of an imagined pipeline, so only those complaints are expected).
TEST(ConfigValidation, EveryStageExampleIsAValidStep) {
  for (const Stage* stage : allStages()) {
    const StageSpec& spec = stage->spec();
    ASSERT_FALSE(spec.example.empty()) << spec.name;
    std::string indented;
    for (size_t start = 0; start < spec.example.size();) {
      const size_t end = spec.example.find('\n', start);
      indented += "  " + spec.example.substr(start, end - start) + "\n";
      start = end == std::string::npos ? spec.example.size() : end + 1;
    }
    // The deep-learning examples name the shipped model by its path in the source tree.
    if (const auto at = indented.find("model: testdata/"); at != std::string::npos) indented.insert(at + 7, MEDPIPE_SOURCE_DIR "/");
    const PipelineConfig config = parsePipelineConfig("input: /data\nsteps:\n" + indented, spec.name + ".example");
    ASSERT_EQ(config.steps.size(), 1u) << spec.name;
    EXPECT_EQ(config.steps[0].stage, spec.name);
    for (const auto& problem : planPipeline(config).problems) {
      const bool aboutInputs = problem.message.find("names no step") != std::string::npos ||
                               problem.message.find("needs input") != std::string::npos ||
                               (!deep::torchAvailable() && problem.message.find(deep::kWithoutTorch) != std::string::npos);
      EXPECT_TRUE(aboutInputs) << problem.str();
    }
  }
}

}  // namespace medpipe
