// Pipeline outputs written back as DICOM: an image as a derived series, a label map as a SEG object,
// both of the input's study; de-identified on request.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/segmentation.h"
#include "medpipe/pipeline/batch_runner.h"
#include "test_support.h"

namespace medpipe {
namespace {

const char* kConfig = R"(input: ${input_dir}
steps:
  smooth: {stage: gaussian, input: input, sigma: 2}
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
outputs:
  - {step: smooth, file: smooth-dicom, format: dicom, description: Smoothed CT}
  - {step: bone, file: bone-seg.dcm, format: dicom, deidentify: true}
  - {step: smooth, file: smooth.nii.gz}
  - {step: bone, file: bone.nii.gz}
)";

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(PipelineDicomOutputs, DerivedSeriesAndSegmentationRoundTrip) {
  test::TempDir dir("pipeline-dicom");
  PhantomSpec spec;
  spec.size = {64, 64, 12};
  spec.spacing = {3.2, 3.2, 8};
  test::writePhantomSeries(spec, dir / "dicom");
  const PipelineConfig config = parsePipelineConfig(kConfig, "c.yaml", {}, {{"input_dir", (dir / "dicom").string()}});
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok()) << plan.problems.front().str();
  BatchOptions options;
  options.outputFolder = dir / "out";
  const auto outcomes = runBatch(config, plan, planWorkUnits(config), options);
  ASSERT_TRUE(outcomes.at(0).ok) << outcomes[0].error;

  // The derived series reads back as the smoothed volume (16-bit storage: within half a step).
  const DicomIndex derived = indexDicomFolder(dir / "out" / "smooth-dicom");
  ASSERT_EQ(derived.volumes.size(), 1u);
  EXPECT_EQ(derived.volumes[0].first().seriesDescription, "Smoothed CT");
  EXPECT_EQ(derived.volumes[0].first().imageType.rfind("DERIVED\\SECONDARY", 0), 0u);
  const auto smooth = readImage(dir / "out" / "smooth.nii.gz");
  const auto readBack = readVolume(derived.volumes[0], IrregularGeometry::Fail);
  const auto cmp = test::compareInPhysicalSpace(*smooth, *readBack, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_LT(cmp.maxValueDifference, 0.05);

  // The SEG object holds the bone mask voxel for voxel, and no patient name (de-identified).
  const auto bone = readLabelImage(dir / "out" / "bone.nii.gz");
  const Segmentation seg = readSegmentation(dir / "out" / "bone-seg.dcm", *bone);
  EXPECT_TRUE(std::equal(bone->GetBufferPointer(), bone->GetBufferPointer() + bone->GetPixelContainer()->Size(),
                         seg.labels->GetBufferPointer()));
  EXPECT_EQ(slurp(dir / "out" / "bone-seg.dcm").find("TEST^PHANTOM"), std::string::npos);
  EXPECT_NE(slurp(dir / "out" / "smooth-dicom" / "IM0001.dcm").find("TEST^PHANTOM"), std::string::npos)
      << "without deidentify the derived series keeps the study's patient";
}

TEST(PipelineDicomOutputs, ValidationRejectsImpossibleDicomOutputs) {
  const std::string yaml = R"(input: /data
steps:
  bone: {stage: binary-threshold, input: input}
  stats: {stage: label-statistics, input: {image: input, labels: bone}}
outputs:
  - {step: stats, file: stats, format: dicom}
  - {step: bone, file: bone-folder, format: dicom}
  - {step: bone, file: b.nii.gz, format: png}
)";
  const PipelinePlan plan = planPipeline(parsePipelineConfig(yaml, "c.yaml"));
  std::vector<std::string> problems;
  for (const auto& p : plan.problems) problems.push_back(p.str());
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "c.yaml:6:5: step 'stats': a table cannot be written as DICOM (use .csv or .json)",
                          "c.yaml:7:5: step 'bone': a label map is written as one DICOM SEG file: give 'file:' a .dcm name",
                          "c.yaml:8:5: step 'bone': output format 'png' is not known (only 'dicom'; otherwise the extension decides)",
                      }));
}

TEST(PipelineDicomOutputs, ImageFileInputCannotHaveDicomOutputs) {
  test::TempDir dir("pipeline-dicom-nifti");
  PhantomSpec spec;
  spec.size = {16, 16, 4};
  writeImage(*makeBodyPhantom(spec).image, dir / "ct.nii.gz");
  const PipelineConfig config = parsePipelineConfig(
      "input: ${input_dir}/ct.nii.gz\noutputs:\n  - {step: input, file: copy, format: dicom}\n", "c.yaml", {},
      {{"input_dir", dir.path().string()}});
  BatchOptions options;
  options.outputFolder = dir / "out";
  const auto outcomes = runBatch(config, planPipeline(config), planWorkUnits(config), options);
  ASSERT_FALSE(outcomes.at(0).ok);
  EXPECT_EQ(outcomes[0].error, (dir / "out" / "copy").string() + ": output 'copy': DICOM outputs need a DICOM input series");
}

}  // namespace medpipe
