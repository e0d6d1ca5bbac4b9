// Running a graph config on the phantom: outputs, Dice against the ground truth, statistics,
// provenance, resuming and bit-identical reruns.
#include <gtest/gtest.h>

#include <itkImageRegionConstIteratorWithIndex.h>

#include <fstream>
#include <sstream>

#include "image_compare.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/batch_runner.h"
#include "test_support.h"

namespace medpipe {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char* kGraphConfig = R"(input: ${input_dir}/ct.nii.gz
steps:
  smooth:
    stage: gaussian
    input: input
    sigma: 1.0
  bone:
    stage: binary-threshold
    input: smooth
    lower: 300
    upper: 3000
  spine:
    stage: connected-components
    input: bone
    keep-largest: 1
  stats:
    stage: label-statistics
    input: {image: input, labels: spine}
outputs:
  - {step: bone, file: bone.nii.gz}
  - {step: spine, file: spine.nii.gz}
  - {step: stats, file: stats.csv}
)";

class PipelineRun : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.size = {96, 96, 24};
    spec_.spacing = {2.2, 2.2, 7.0};
    phantom_ = makeBodyPhantom(spec_);
    writeImage(*phantom_.image, dir_ / "ct.nii.gz");
  }
  std::vector<UnitOutcome> run(const std::vector<std::string>& overrides = {}, bool force = false) {
    const PipelineConfig config = parsePipelineConfig(kGraphConfig, "graph.yaml", overrides, {{"input_dir", dir_.path().string()}});
    const PipelinePlan plan = planPipeline(config);
    EXPECT_TRUE(plan.ok());
    BatchOptions options;
    options.outputFolder = dir_ / "out";
    options.run.force = force;
    return runBatch(config, plan, planWorkUnits(config), options);
  }
  test::TempDir dir_{"pipeline-run"};
  PhantomSpec spec_;
  Phantom phantom_;
};

}  // namespace

TEST_F(PipelineRun, GraphConfigSegmentsTheBoneAndMeasuresTheSpine) {
  const auto outcomes = run();
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_TRUE(outcomes[0].ok) << outcomes[0].error;
  const auto bone = readLabelImage(dir_ / "out" / "bone.nii.gz");
  EXPECT_GE(test::labelDice(*bone, *phantom_.labels, 1, kBone), 0.95);
  // The spine is the larger bone; compare with the ground truth restricted to the spine.
  const auto spine = readLabelImage(dir_ / "out" / "spine.nii.gz");
  size_t spineVoxels = 0;
  itk::ImageRegionConstIteratorWithIndex<LabelImage> it(phantom_.labels, phantom_.labels->GetLargestPossibleRegion());
  std::vector<std::uint8_t> spineTruth(phantom_.labels->GetPixelContainer()->Size());
  for (size_t i = 0; !it.IsAtEnd(); ++it, ++i) {
    ImageF::PointType p;
    phantom_.labels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    spineTruth[i] = it.Get() == kBone && p[0] > -20 && p[0] < 20;  // the spine sits at x = 0
    spineVoxels += spineTruth[i];
  }
  size_t both = 0, found = 0;
  for (size_t i = 0; i < spineTruth.size(); ++i) {
    found += spine->GetBufferPointer()[i] == 1;
    both += spine->GetBufferPointer()[i] == 1 && spineTruth[i];
  }
  EXPECT_GE(2.0 * both / double(found + spineVoxels), 0.95);

  const std::string csv = slurp(dir_ / "out" / "stats.csv");
  std::istringstream lines(csv);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(header.rfind("label,voxels,volume-ml,mean,", 0), 0u) << header;
  const double voxels = std::stod(row.substr(row.find(',') + 1));
  EXPECT_NEAR(voxels, double(spineVoxels), 0.03 * spineVoxels);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "provenance.json"));
}

TEST_F(PipelineRun, RerunSkipsFinishedWorkAndForceRedoesItBitForBit) {
  ASSERT_TRUE(run()[0].ok);
  const std::string firstBone = slurp(dir_ / "out" / "bone.nii.gz"), firstStats = slurp(dir_ / "out" / "stats.csv");
  const auto again = run();
  EXPECT_TRUE(again[0].skipped);
  const auto forced = run({}, true);
  ASSERT_TRUE(forced[0].ok);
  EXPECT_FALSE(forced[0].skipped);
  EXPECT_TRUE(slurp(dir_ / "out" / "bone.nii.gz") == firstBone) << "outputs differ between identical runs";
  EXPECT_EQ(slurp(dir_ / "out" / "stats.csv"), firstStats);
  // A changed parameter is a different config: the unit runs again.
  const auto changed = run({"bone.lower=400"});
  EXPECT_FALSE(changed[0].skipped);
}

TEST_F(PipelineRun, ProvenanceRecordsVersionsInputHashParametersAndTimings) {
  ASSERT_TRUE(run()[0].ok);
  const std::string record = slurp(dir_ / "out" / "provenance.json");
  for (const char* key : {"\"medpipe\":", "\"itk\":", "\"gdcm\":", "\"configHash\":", "\"contentHash\":", "\"sigma\": \"1\"",
                          "\"lower\": \"300\"", "\"seconds\":"})
    EXPECT_NE(record.find(key), std::string::npos) << key << " missing in\n" << record;
}

}  // namespace medpipe
