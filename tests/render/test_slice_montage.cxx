// Slice montages: layout, radiological orientation and label overlay colours on the phantom,
// checked at pixel positions computed here from the documented layout, not from the library.
#include <gtest/gtest.h>

#include <cmath>

#include "medpipe/core/error.h"
#include "medpipe/preview/intensity_window.h"
#include "medpipe/preview/label_colors.h"
#include "medpipe/preview/png_file.h"
#include "medpipe/preview/slice_montage.h"
#include "render_fixtures.h"

namespace medpipe {
namespace {

using test::PhantomFiles;
using test::TempDir;

constexpr unsigned kPanel = 256;
// The small phantom's box is 240 x 240 x 160 mm centred on the origin: panels span its largest
// extent, 240 mm, so one pixel is 240/256 mm and the origin is at (128, 128) of each panel.
constexpr double kMmPerPixel = 240.0 / kPanel;

// Axial panel (viewed from the feet): +x (patient left) to the right, +y (posterior) down.
std::pair<unsigned, unsigned> axialPixel(double x, double y) {
  return {static_cast<unsigned>(std::floor(kPanel / 2.0 + x / kMmPerPixel)),
          static_cast<unsigned>(std::floor(kPanel / 2.0 + y / kMmPerPixel))};
}

// Expected overlay: the grey value blended half-and-half with the label colour.
Rgb blended(std::uint8_t grey, std::uint8_t label, double opacity = 0.5) {
  const Rgb c = labelColor(label);
  auto mix = [&](std::uint8_t v) { return static_cast<std::uint8_t>(std::lround((1 - opacity) * grey + opacity * v)); };
  return {mix(c.r), mix(c.g), mix(c.b)};
}

bool isBoneOverlay(Rgb c) {
  const Rgb bone = blended(255, kBone);
  return std::abs(c.r - bone.r) <= 3 && std::abs(c.g - bone.g) <= 3 && std::abs(c.b - bone.b) <= 3;
}

void expectNear(Rgb actual, Rgb expected, int tolerance, const std::string& where) {
  EXPECT_NEAR(actual.r, expected.r, tolerance) << where;
  EXPECT_NEAR(actual.g, expected.g, tolerance) << where;
  EXPECT_NEAR(actual.b, expected.b, tolerance) << where;
}

class SliceMontageTest : public test::SmallPhantomSuite {};

TEST_F(SliceMontageTest, GeometryFollowsTheDocumentedLayout) {
  const auto montage = renderSliceMontage(*files_->phantom.image, files_->phantom.labels.GetPointer(), {});
  EXPECT_EQ(montage.image.width, 3 * kPanel);
  EXPECT_EQ(montage.image.height, kPanel);
  EXPECT_NEAR(montage.geometry.pixelSpacing, kMmPerPixel, 1e-9);
  // The label centroid: the body is symmetric but for the arm bone (left, +x) and spine (posterior).
  EXPECT_NEAR(montage.geometry.slicePoint[0], 0.0, 2.0);
  EXPECT_NEAR(montage.geometry.slicePoint[2], 0.0, 1.0);
  const auto at = montage.geometry.montagePosition(SlicePlane::Axial, {70, -5, 0});
  EXPECT_EQ(static_cast<unsigned>(at[0]), axialPixel(70, -5).first);
  EXPECT_EQ(static_cast<unsigned>(at[1]), axialPixel(70, -5).second);
}

TEST_F(SliceMontageTest, AxialPanelShowsTheLeftArmBoneOnTheViewersRightAndBothLungs) {
  const auto picture = renderSliceMontage(*files_->phantom.image, files_->phantom.labels.GetPointer(), {}).image;
  // Bone (700 HU) is white in the soft-tissue window; half yellow over it.
  const auto [boneX, boneY] = axialPixel(70, -5);
  ASSERT_GT(boneX, kPanel / 2) << "patient's left must be on the viewer's right";
  expectNear(picture.at(boneX, boneY), blended(255, kBone), 2, "arm bone (70,-5) at pixel " + std::to_string(boneX));
  // The mirrored position (patient's right) is plain soft tissue: half red over mid grey.
  const auto [mirrorX, mirrorY] = axialPixel(-70, -5);
  EXPECT_FALSE(isBoneOverlay(picture.at(mirrorX, mirrorY)));
  expectNear(picture.at(mirrorX, mirrorY), blended(128, kSoftTissue), 20, "soft tissue at (-70,-5)");
  // Lungs (-850 HU) are black in the window: half blue.
  for (double x : {-38.0, 38.0}) {
    const auto [lx, ly] = axialPixel(x, -2);
    expectNear(picture.at(lx, ly), blended(0, kLung), 2, "lung at x=" + std::to_string(x));
  }
  // Air in front of the body: no label, black.
  const auto [airX, airY] = axialPixel(0, -90);
  expectNear(picture.at(airX, airY), {0, 0, 0}, 0, "air at (0,-90)");
}

TEST_F(SliceMontageTest, CoronalAndSagittalPanelsKeepLeftRightAndAnteriorPosterior) {
  MontageOptions options;
  options.slicePoint = PointLps{0, -5, 0};
  const auto picture = renderSliceMontage(*files_->phantom.image, files_->phantom.labels.GetPointer(), options).image;
  // Coronal (second panel): the arm bone on the viewer's right at every height.
  const unsigned coronalBone = kPanel + axialPixel(70, 0).first;
  for (unsigned row : {60u, 128u, 190u}) EXPECT_TRUE(isBoneOverlay(picture.at(coronalBone, row))) << row;
  EXPECT_FALSE(isBoneOverlay(picture.at(kPanel + axialPixel(-70, 0).first, 128)));
  // Sagittal through x = 0 (third panel): the spine (y = 45, posterior) on the viewer's right.
  const unsigned spine = 2 * kPanel + axialPixel(45, 0).first;
  EXPECT_TRUE(isBoneOverlay(picture.at(spine, 128)));
  EXPECT_FALSE(isBoneOverlay(picture.at(2 * kPanel + axialPixel(-45, 0).first, 128)));
}

TEST_F(SliceMontageTest, CliWritesTheMontageAsPng) {
  const auto out = *dir_ / "montage.png";
  const auto r = test::runMedpipe("render " + test::quoted(files_->image) + " --labels " + test::quoted(files_->labels) +
                                  " -o " + test::quoted(out) + " --montage");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, out.string() + "\n");
  const RgbImage picture = readPng(out);
  ASSERT_EQ(picture.width, 3 * kPanel);
  ASSERT_EQ(picture.height, kPanel);
  const auto [boneX, boneY] = axialPixel(70, -5);
  expectNear(picture.at(boneX, boneY), blended(255, kBone), 2, "arm bone in the PNG");
  const auto [lungX, lungY] = axialPixel(38, -2);
  expectNear(picture.at(lungX, lungY), blended(0, kLung), 2, "left lung in the PNG");
}

TEST_F(SliceMontageTest, WindowPresetsAndErrors) {
  const ImageF& image = *files_->phantom.image;
  EXPECT_DOUBLE_EQ(intensityWindowFor("ct-bone", image).level, 400);
  EXPECT_DOUBLE_EQ(intensityWindowFor("ct-lung", image).width, 1500);
  EXPECT_DOUBLE_EQ(intensityWindowFor("50,350", image).width, 350);
  // mr-default: 1st..99th percentile; the phantom is mostly air (-1000) and soft tissue (40).
  const auto mr = intensityWindowFor("mr-default", image);
  EXPECT_LT(mr.lower(), -900);
  EXPECT_GT(mr.upper(), 0);
  EXPECT_THROW(intensityWindowFor("ct-brain", image), Error);
  const auto r = test::runMedpipe("render " + test::quoted(files_->image) + " -o " + test::quoted(*dir_ / "x.png") +
                                  " --montage --preset nonsense");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("--preset"), std::string::npos) << r.err;
}

// A one-slice image (a radiograph, one CT slice) is one panel of that slice as stored, not three
// planes of which two are lines: the PNG is one square panel with the phantom's slice in it, its
// first axis to the right and its second down, no matter how thin the slice.
TEST(OneSliceMontage, ShowsTheSliceItselfInOnePanel) {
  PhantomSpec spec;
  spec.size = {96, 96, 1};
  spec.spacing = {2.5, 2.5, 5.0};
  const Phantom slice = makeBodyPhantom(spec);
  TempDir dir("one-slice-montage");
  const auto file = dir / "slice.nii.gz", out = dir / "slice.png";
  writeImage(*slice.image, file);
  const auto r = test::runMedpipe("render " + test::quoted(file) + " -o " + test::quoted(out) + " --montage");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const RgbImage picture = readPng(out);
  ASSERT_EQ(picture.width, kPanel);
  ASSERT_EQ(picture.height, kPanel);
  // Not blank, not uniform: the grey levels of air, soft tissue, lung and bone all appear.
  int black = 0, white = 0, mid = 0;
  for (unsigned y = 0; y < kPanel; ++y)
    for (unsigned x = 0; x < kPanel; ++x) {
      const Rgb c = picture.at(x, y);
      EXPECT_TRUE(c.r == c.g && c.g == c.b) << "no colour without labels, at " << x << "," << y;
      black += c.r < 10, white += c.r > 245, mid += c.r > 60 && c.r < 200;
    }
  EXPECT_GT(black, 5000);  // air around the body and the lungs
  EXPECT_GT(mid, 5000);    // soft tissue
  EXPECT_GT(white, 100);   // spine and arm bone
  // --size gives a one-slice image's one panel the whole picture, not a third of its width.
  const auto sized = dir / "sized.png";
  ASSERT_EQ(test::runMedpipe("render " + test::quoted(file) + " -o " + test::quoted(sized) + " --montage --size 300x200")
                .exitCode,
            0);
  EXPECT_EQ(readPng(sized).width, 200u);
  EXPECT_EQ(readPng(sized).height, 200u);
  // The panel spans the slice's 240 mm as the axial panel of a volume does: the arm bone (x = 70 mm,
  // the image's first axis) on the right, the lungs black, the soft tissue between them grey.
  const auto [boneX, boneY] = axialPixel(70, -5);
  expectNear(picture.at(boneX, boneY), {255, 255, 255}, 2, "arm bone");
  for (double x : {-38.0, 38.0}) {
    const auto [lx, ly] = axialPixel(x, -2);
    expectNear(picture.at(lx, ly), {0, 0, 0}, 2, "lung at x=" + std::to_string(x));
  }
  EXPECT_FALSE(picture.at(axialPixel(-70, -5).first, axialPixel(-70, -5).second).r > 245) << "bone mirrored";
  // Each pixel is the slice's value windowed (soft tissue: level 40, width 400), straight from the voxel.
  const auto montage = renderSliceMontage(*slice.image, nullptr, {});
  EXPECT_EQ(montage.geometry.panels, 1u);
  const auto& g = montage.geometry;
  const PointLps centre = g.physicalPoint(SlicePlane::Image, kPanel / 2 + 0.5, kPanel / 2 + 0.5);
  EXPECT_NEAR(centre[2], 0.0, 1e-9) << "the panel lies in the slice";
  const auto at = g.montagePosition(SlicePlane::Image, {70, -5, 0});
  EXPECT_EQ(static_cast<unsigned>(at[0]), boneX);
  EXPECT_EQ(static_cast<unsigned>(at[1]), boneY);
}

TEST(RenderWithoutVtk, SaysVtkIsNotBuiltInAndExitsTwo) {
  if (test::runMedpipe("--version").out.find("VTK (not built in)") == std::string::npos)
    GTEST_SKIP() << "this medpipe has VTK built in";
  const auto render = test::runMedpipe("render in.nii.gz -o out.png");
  EXPECT_EQ(render.exitCode, 2);
  EXPECT_NE(render.err.find("VTK is not built in"), std::string::npos) << render.err;
  const auto mesh = test::runMedpipe("export-mesh labels.nii.gz -o out.stl");
  EXPECT_EQ(mesh.exitCode, 2);
  EXPECT_NE(mesh.err.find("VTK is not built in"), std::string::npos) << mesh.err;
}

}  // namespace
}  // namespace medpipe
