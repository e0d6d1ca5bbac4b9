// Every stage's documented example step (StageSpec::example, shown by `medpipe stages NAME` and in
// docs/stages.md) runs as written inside a pipeline on a small phantom and gives a plausible result.
// The names an example reads (ct, mask, bone, ...) are made by a few preparatory steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "medpipe/deep/network.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/pipeline_runner.h"
#include "classifier_model_support.h"
#include "test_support.h"

namespace medpipe {
namespace {

// The steps that make what the examples read, from the phantom CT (`input`).
const std::map<std::string, std::string> kPreparedSteps = {
    {"ct", "{stage: clamp, input: input, lower: -1024, upper: 3071}"},
    {"mr", "{stage: rescale-intensity, input: input, output-min: 1, output-max: 1000}"},
    {"t1", "{stage: rescale-intensity, input: input, output-min: 1, output-max: 1000}"},
    {"t2", "{stage: gaussian, input: input}"},
    {"body", "{stage: binary-threshold, input: input, lower: -500, upper: 3071}"},
    {"head", "{stage: binary-threshold, input: input, lower: -500, upper: 3071}"},
    {"brain", "{stage: binary-threshold, input: input, lower: -500, upper: 3071}"},
    {"mask", "{stage: binary-threshold, input: input, lower: -500, upper: 3071}"},
    {"bone", "{stage: binary-threshold, input: input, lower: 300, upper: 3000}"},
    {"organs", "{stage: multi-otsu-threshold, input: input, classes: 3}"},
    {"atlas", "{stage: cast-to-image, input: organs}"},
    {"seeds", "{stage: connected-components, input: bone}"},
    {"tumour", "{stage: binary-threshold, input: input, lower: 0, upper: 100}"},
};

// Examples that cannot run on the small phantom run on another one instead, and why.
struct OtherPhantom {
  std::array<unsigned, 3> size;
  std::array<double, 3> spacing;
  std::string why;
};
const std::map<std::string, OtherPhantom> kOtherPhantom = {
    {"crop-to-box", {{400, 380, 64}, {0.5, 0.5, 2.5}, "its box reaches voxel (399, 379, 63), as on a 512x512 CT"}},
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The names the example's `input:` line reads.
std::set<std::string> inputsOf(const std::string& example) {
  std::smatch line;
  std::set<std::string> names;
  if (!std::regex_search(example, line, std::regex("\n  input: ([^\n]*)"))) return names;
  const std::string value = line[1];
  const std::regex word("(?:^|[:{,] *)([a-z0-9-]+)(?=[,}]|$)");
  for (std::sregex_iterator it(value.begin(), value.end(), word), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

// A config running the example as step `example` (its own step name may be one of the prepared
// names) after the steps it needs, writing its output.
std::string configFor(const StageSpec& spec, std::set<std::string>& prepared) {
  const std::string& example = spec.example;
  std::string config = "input: phantom.nii.gz\nsteps:\n";
  prepared = inputsOf(example);
  for (const std::string& name : std::set<std::string>(prepared)) {
    if (name == "input") continue;
    const auto step = kPreparedSteps.find(name);
    if (step == kPreparedSteps.end()) {
      ADD_FAILURE() << spec.name << ": the example reads '" << name << "', which the test does not prepare";
      continue;
    }
    // `atlas` and `seeds` read `organs` and `bone`.
    if (name == "atlas") config += "  organs: " + kPreparedSteps.at("organs") + "\n";
    if (name == "seeds" && !prepared.count("bone")) config += "  bone: " + kPreparedSteps.at("bone") + "\n";
    config += "  " + name + ": " + step->second + "\n";
  }
  std::istringstream lines(example.substr(example.find('\n') + 1));
  config += "  example:\n";
  for (std::string line; std::getline(lines, line);) config += "  " + line + "\n";
  config += std::string("outputs:\n  - {step: example, file: ") +
            (spec.output == DataKind::Table ? "example.csv" : "example.nii.gz") + "}\n";
  return config;
}

}  // namespace

TEST(StageExamples, EveryDocumentedExampleRunsOnThePhantom) {
  PhantomSpec small;
  small.size = {64, 64, 16};
  small.spacing = {3.2, 3.2, 10.0};
  const ImageF::Pointer smallPhantom = makeBodyPhantom(small).image;
  test::TempDir dir("stage-examples");
  size_t ran = 0, withoutTorch = 0;
  for (const Stage* stage : allStages()) {
    const StageSpec& spec = stage->spec();
    SCOPED_TRACE(spec.name);
    ASSERT_FALSE(spec.example.empty()) << spec.name << " documents no example";
    ASSERT_NE(spec.example.find("\n  stage: " + spec.name + "\n"), std::string::npos) << spec.example;
    std::set<std::string> prepared;
    std::string text = configFor(spec, prepared);
    // The trained-classifier examples name a model file: a hand-written air/body model stands in.
    if (const size_t at = text.find("model: ct-tissues.model"); at != std::string::npos)
      text.replace(at + 7, 16, test::airBodyModelPath());
    // The deep-learning examples name the shipped model by its path in the source tree; without
    // libtorch they cannot run (tests/deep checks what they say then).
    if (const auto at = text.find("model: testdata/"); at != std::string::npos) {
      if (!deep::torchAvailable()) {
        ++withoutTorch;
        continue;
      }
      text.insert(at + 7, MEDPIPE_SOURCE_DIR "/");
    }
    ImageF::Pointer input = smallPhantom;
    if (const auto other = kOtherPhantom.find(spec.name); other != kOtherPhantom.end()) {
      PhantomSpec instead;
      instead.size = other->second.size;
      instead.spacing = other->second.spacing;
      input = makeBodyPhantom(instead).image;
      RecordProperty(spec.name, "another phantom: " + other->second.why);
    }
    const PipelineConfig config = parsePipelineConfig(text, spec.name + "-example.yaml");
    const PipelinePlan plan = planPipeline(config);
    ASSERT_TRUE(plan.ok()) << plan.problems.front().str() << "\n" << text;
    const auto out = dir / spec.name;
    UnitReport report;
    try {
      report = runPipelineUnit(config, plan, input, {"phantom", {}, "0", nullptr}, out, {});
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << text;
      continue;
    }
    ++ran;
    switch (spec.output) {
      case DataKind::Table: {
        const std::string csv = slurp(out / "example.csv");
        EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 2) << "a header and at least one row:\n" << csv;
        break;
      }
      case DataKind::Labels: {
        const auto labels = readLabelImage(out / "example.nii.gz");
        const auto* v = labels->GetBufferPointer();
        const size_t n = labels->GetLargestPossibleRegion().GetNumberOfPixels();
        const std::set<std::uint8_t> values(v, v + n);
        EXPECT_GE(values.size(), 2u) << "a constant label map";
        EXPECT_GT(*values.rbegin(), 0) << "an empty label map";
        break;
      }
      case DataKind::Image: {
        const auto image = readImage(out / "example.nii.gz");
        const auto* v = image->GetBufferPointer();
        const size_t n = image->GetLargestPossibleRegion().GetNumberOfPixels();
        EXPECT_GT(n, 0u);
        EXPECT_TRUE(std::all_of(v, v + n, [](float x) { return std::isfinite(x); })) << "non-finite voxels";
        EXPECT_GT(*std::max_element(v, v + n), *std::min_element(v, v + n)) << "a constant image";
        break;
      }
    }
  }
  EXPECT_EQ(ran + withoutTorch, allStages().size());
}

}  // namespace medpipe
