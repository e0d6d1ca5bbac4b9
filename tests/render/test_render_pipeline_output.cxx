// The pipeline's `render` output: a run with DISPLAY unset renders the bone of a threshold step
// (label 3, drawn yellow as the phantom's bone) over the input, anterior view, the left arm bone
// on the viewer's right.
#include <gtest/gtest.h>

#include <fstream>

#include "medpipe/preview/png_file.h"
#include "render_fixtures.h"

namespace medpipe {

TEST(RenderPipelineOutput, RunRendersALabelStepOverTheInput) {
  if (test::runCommand("command -v Xvfb").exitCode != 0) GTEST_SKIP() << "Xvfb is not installed: VTK needs an X server here";
  test::TempDir dir("render-pipeline");
  const auto files = test::writeSmallPhantom(dir);
  std::ofstream(dir / "render.yaml") << R"(input: ${input_dir}
steps:
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000, inside-value: 3}
outputs:
  - {step: bone, file: bone-anterior.png, format: render, view: anterior, size: 256x256}
  - {step: bone, file: bone-preview.png, format: preview}
)";
  const auto r = test::runCommand("env -u DISPLAY " + std::string(MEDPIPE_EXE) + " run " + test::quoted(dir / "render.yaml") +
                                  " --input " + test::quoted(files.image) + " --output " + test::quoted(dir / "out") + " --quiet");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const RgbImage picture = readPng(dir / "out" / "bone-anterior.png");
  ASSERT_EQ(picture.width, 256u);
  const int right = test::countInColumns(picture, 128, 256, test::isYellowish);
  const int left = test::countInColumns(picture, 0, 128, test::isYellowish);
  EXPECT_GT(right, 200) << "the spine and the left arm bone are drawn";
  EXPECT_GT(right, left) << "the arm bone (patient's left) appears on the viewer's right";
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "bone-preview.png"));
}

}  // namespace medpipe
