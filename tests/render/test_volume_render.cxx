// VTK volume rendering through the CLI, headless: medpipe starts its own Xvfb when DISPLAY is
// unset. Pictures are checked for anatomy and handedness: the arm bone is on the patient's left,
// so it must appear on the viewer's right from the front and on the viewer's left from behind.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "medpipe/preview/png_file.h"
#include "render_fixtures.h"

namespace medpipe {
namespace {

using test::PhantomFiles;
using test::TempDir;
namespace fs = std::filesystem;

constexpr unsigned kSide = 256;
// At 256 px the 240 x 240 x 160 mm box is framed at about 1.3 mm per pixel, so the arm bone
// (x = 62..78 mm) projects some 45..60 px from the centre and the spine (|x| <= 12) within 10 px.
// Outer bands, one per side, that hold the arm bone or its mirror image but not the spine:
constexpr unsigned kBandFrom = kSide / 2 + 25, kBandTo = kSide / 2 + 90;
constexpr unsigned kMirrorFrom = kSide - kBandTo, kMirrorTo = kSide - kBandFrom;

bool haveXvfb() { return test::runCommand("command -v Xvfb").exitCode == 0; }

class VolumeRenderTest : public test::SmallPhantomSuite {
 protected:
  void SetUp() override {
    if (!haveXvfb()) GTEST_SKIP() << "Xvfb is not installed (apt-get install xvfb): VTK needs an X server here";
  }

  // Renders with DISPLAY unset, so medpipe has to start Xvfb itself.
  static RgbImage render(const std::string& name, const std::string& options) {
    const auto out = *dir_ / name;
    const auto start = std::chrono::steady_clock::now();
    const auto r = test::runCommand("env -u DISPLAY " + std::string(MEDPIPE_EXE) + " render " +
                                    test::quoted(files_->image) + " -o " + test::quoted(out) + " " + options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exitCode, 0) << r.err;
    std::cout << "[ render   ] " << name << " (" << options << "): " << seconds << " s\n";
    return r.exitCode == 0 ? readPng(out) : RgbImage();
  }

};

std::string withLabels(const PhantomFiles& f, const std::string& view) {
  return "--labels " + test::quoted(f.labels) + " --view " + view;
}

TEST_F(VolumeRenderTest, PictureIsNotBlank) {
  const RgbImage picture = render("bone.png", "--preset ct-bone --size 256x256");
  ASSERT_EQ(picture.width, kSide);
  ASSERT_EQ(picture.height, kSide);
  const int lit = kSide * kSide - test::countInColumns(picture, 0, kSide, test::isBlack);
  std::cout << "[ measured ] ct-bone anterior: " << lit << " non-black pixels of " << kSide * kSide << "\n";
  EXPECT_GT(lit, static_cast<int>(kSide * kSide / 50));  // two thin bones in the ct-bone preset
}

TEST_F(VolumeRenderTest, AnteriorViewShowsTheLeftArmBoneOnTheViewersRight) {
  const RgbImage picture = render("anterior.png", withLabels(*files_, "anterior") + " --size 256x256");
  ASSERT_EQ(picture.width, kSide);
  const int right = test::countInColumns(picture, kBandFrom, kBandTo, test::isYellowish);
  const int left = test::countInColumns(picture, kMirrorFrom, kMirrorTo, test::isYellowish);
  std::cout << "[ measured ] anterior: bone-coloured pixels right band " << right << ", left band " << left << "\n";
  EXPECT_GT(right, 500);
  EXPECT_LT(left, right / 20);
  // Both lungs, blue, one each side of the midline.
  const int lungRight = test::countInColumns(picture, kSide / 2 + 10, kSide, test::isBluish);
  const int lungLeft = test::countInColumns(picture, 0, kSide / 2 - 10, test::isBluish);
  std::cout << "[ measured ] anterior: lung-coloured pixels right " << lungRight << ", left " << lungLeft << "\n";
  EXPECT_GT(lungRight, 1000);
  EXPECT_GT(lungLeft, 1000);
}

TEST_F(VolumeRenderTest, PosteriorViewShowsTheLeftArmBoneOnTheViewersLeft) {
  const RgbImage picture = render("posterior.png", withLabels(*files_, "posterior") + " --size 256x256");
  ASSERT_EQ(picture.width, kSide);
  const int right = test::countInColumns(picture, kBandFrom, kBandTo, test::isYellowish);
  const int left = test::countInColumns(picture, kMirrorFrom, kMirrorTo, test::isYellowish);
  std::cout << "[ measured ] posterior: bone-coloured pixels right band " << right << ", left band " << left << "\n";
  EXPECT_GT(left, 500);
  EXPECT_LT(right, left / 20);
}

TEST_F(VolumeRenderTest, TurntableWritesNumberedFramesAQuarterTurnApart) {
  const auto out = *dir_ / "spin.png";
  const auto r = test::runCommand("env -u DISPLAY " + std::string(MEDPIPE_EXE) + " render " +
                                  test::quoted(files_->image) + " " + withLabels(*files_, "anterior") +
                                  " --size 128x128 --turntable 4 -o " + test::quoted(out));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char* frame : {"spin_000.png", "spin_001.png", "spin_002.png", "spin_003.png"}) {
    EXPECT_NE(r.out.find((*dir_ / frame).string()), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(*dir_ / frame)) << frame;
  }
  // Frame 2 is the posterior view: the arm bone moved to the viewer's left.
  const RgbImage front = readPng(*dir_ / "spin_000.png"), back = readPng(*dir_ / "spin_002.png");
  const unsigned half = 64;
  EXPECT_GT(test::countInColumns(front, half + 12, 128, test::isYellowish),
            test::countInColumns(front, 0, half - 12, test::isYellowish));
  EXPECT_GT(test::countInColumns(back, 0, half - 12, test::isYellowish),
            test::countInColumns(back, half + 12, 128, test::isYellowish));
  if (test::runCommand("command -v convert-im6.q16 || command -v magick").exitCode != 0) return;
  std::ifstream gif(*dir_ / "spin.gif", std::ios::binary);
  char magic[6] = {};
  gif.read(magic, 6);
  EXPECT_EQ(std::string(magic, 6), "GIF89a") << "ImageMagick is installed, so spin.gif should be an animated GIF";
}

TEST_F(VolumeRenderTest, WithoutDisplayAndWithXvfbForbiddenItFailsCleanly) {
  const auto r = test::runCommand("env -u DISPLAY MEDPIPE_NO_XVFB=1 " + std::string(MEDPIPE_EXE) + " render " +
                                  test::quoted(files_->image) + " -o " + test::quoted(*dir_ / "never.png"));
  EXPECT_EQ(r.exitCode, 1) << "VTK must not get to abort the process (134)";
  EXPECT_NE(r.err.find("no X display"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(*dir_ / "never.png"));
}

TEST_F(VolumeRenderTest, EveryPresetRenders) {
  for (const char* preset : {"ct-soft-tissue", "ct-lung", "mr-default", "mip"}) {
    const RgbImage picture = render(std::string(preset) + ".png", std::string("--preset ") + preset + " --size 96x96");
    const int lit = 96 * 96 - test::countInColumns(picture, 0, 96, test::isBlack);
    EXPECT_GT(lit, 96 * 96 / 20) << preset;
  }
}

}  // namespace
}  // namespace medpipe
