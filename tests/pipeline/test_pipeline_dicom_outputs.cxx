// Pipeline outputs written back as DICOM: an image as a derived series, a label map as a SEG object,
// both of the input's study; de-identified on request.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/segmentation.h"
#include "medpipe/pipeline/batch_runner.h"
#include "medpipe/preview/png_file.h"
#include "test_support.h"

namespace medpipe {
namespace {

const char* kConfig = R"(input: ${input_dir}
steps:
  smooth: {stage: gaussian, input: input, sigma: 2}
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
outputs:
  - {step: smooth, file: smooth-dicom, format: dicom, description: Smoothed CT}
  - {step: bone, file: bone-seg.dcm, format: dicom, deidentify: Yes}
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
                          "c.yaml:6:5: step 'stats': format 'dicom' cannot write a table",
                          "c.yaml:7:5: step 'bone': a label map is written as one DICOM SEG file: give 'file:' a .dcm name",
                          "c.yaml:8:5: step 'bone': output format 'png' is not one of: dicom, preview (without format: the file extension decides)",
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

namespace medpipe {

// A label map previewed over the input: a montage PNG with the bone colour where the spine is.
TEST(PipelinePreviewOutputs, LabelMontageOverTheInput) {
  test::TempDir dir("pipeline-preview");
  PhantomSpec spec;
  spec.size = {64, 64, 12};
  spec.spacing = {3.2, 3.2, 8};
  writeImage(*makeBodyPhantom(spec).image, dir / "ct.nii.gz");
  const PipelineConfig config = parsePipelineConfig(R"(input: ${input_dir}/ct.nii.gz
steps:
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
outputs:
  - {step: bone, file: bone.png, format: preview, window: ct-bone, size: 128}
  - {step: input, file: ct.png, format: preview}
)", "c.yaml", {}, {{"input_dir", dir.path().string()}});
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok()) << plan.problems.front().str();
  BatchOptions options;
  options.outputFolder = dir / "out";
  const auto outcomes = runBatch(config, plan, planWorkUnits(config), options);
  ASSERT_TRUE(outcomes.at(0).ok) << outcomes[0].error;
  const RgbImage bone = readPng(dir / "out" / "bone.png");
  EXPECT_EQ(bone.width, 3u * 128u);
  EXPECT_EQ(bone.height, 128u);
  // The bone label is drawn in colour; the plain image preview is grey everywhere.
  auto colouredPixels = [](const RgbImage& picture) {
    size_t coloured = 0;
    for (size_t i = 0; i + 2 < picture.pixels.size(); i += 3) coloured += picture.pixels[i] != picture.pixels[i + 2];
    return coloured;
  };
  EXPECT_GT(colouredPixels(bone), 50u);
  const RgbImage plain = readPng(dir / "out" / "ct.png");
  EXPECT_EQ(plain.width, 3u * 256u);
}

TEST(PipelinePreviewOutputs, OverMustNameAnEarlierImage) {
  const auto plan = planPipeline(parsePipelineConfig(R"(input: /x.nii.gz
steps:
  bone: {stage: binary-threshold, input: input}
  smooth: {stage: gaussian, input: input}
outputs:
  - {step: bone, file: a.png, format: preview, over: bone}
  - {step: bone, file: b.png, format: preview, over: nothing}
  - {step: bone, file: c.png, format: preview, colour: red}
  - {step: bone, file: d.jpg, format: preview}
)", "c.yaml"));
  std::vector<std::string> problems;
  for (const auto& p : plan.problems) problems.push_back(p.str());
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "c.yaml:6:5: step 'bone': 'over' must name an image, 'bone' is a label map",
                          "c.yaml:7:5: step 'bone': 'over' names no step 'nothing'",
                          "c.yaml:8:5: step 'bone': format 'preview' has no option 'colour'",
                          "c.yaml:9:5: step 'bone': format 'preview' writes .png files",
                      }));
}

}  // namespace medpipe
