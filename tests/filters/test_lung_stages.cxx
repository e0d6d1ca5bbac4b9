// Lungs as real chest CTs have them: crossed by one-voxel vessels, anywhere in the image. The
// threshold level set must flow around the vessels to the region connected-threshold finds, and
// lung-mask must find the lungs without seeds wherever they sit.
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {

using test::errorOf;
namespace {

using Parameters = std::map<std::string, ParameterValue>;

// Lungs crossed every 8 mm by vessels along each axis: 12% of the lung is vessel.
const Phantom& vesselPhantom() {
  static const Phantom p = [] {
    PhantomSpec spec;
    spec.size = {128, 128, 48};
    spec.spacing = {1.6, 1.6, 2.0};
    spec.vesselSpacing = 8;
    return makeBodyPhantom(spec);
  }();
  return p;
}

LabelImage::Pointer segment(const Phantom& phantom, const std::string& stage, const Parameters& parameters) {
  return runStage(findStage(stage), {{"image", {phantom.image, nullptr, nullptr}}}, parameters).labels;
}

size_t countNonZero(const LabelImage& labels) {
  const auto* v = labels.GetBufferPointer();
  return size_t(std::count_if(v, v + labels.GetLargestPossibleRegion().GetNumberOfPixels(),
                              [](std::uint8_t l) { return l != 0; }));
}

double dice(const LabelImage& a, const std::vector<bool>& b) {
  size_t both = 0, inA = 0, inB = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    const bool x = a.GetBufferPointer()[i] != 0;
    both += x && b[i], inA += x, inB += b[i];
  }
  return 2.0 * double(both) / double(inA + inB);
}

std::vector<bool> mask(const LabelImage& labels) {
  const auto* v = labels.GetBufferPointer();
  std::vector<bool> m(labels.GetLargestPossibleRegion().GetNumberOfPixels());
  for (size_t i = 0; i < m.size(); ++i) m[i] = v[i] != 0;
  return m;
}

// The phantom's lung voxels (with their vessels) whose x is on the given side of the body centre.
std::vector<bool> lungTruth(const Phantom& phantom, double centreX, int side) {
  const auto& labels = *phantom.labels;
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  std::vector<bool> truth;
  ImageF::PointType p;
  for (long z = 0; z < long(size[2]); ++z)
    for (long y = 0; y < long(size[1]); ++y)
      for (long x = 0; x < long(size[0]); ++x) {
        const LabelImage::IndexType index{{x, y, z}};
        labels.TransformIndexToPhysicalPoint(index, p);
        const auto l = labels.GetPixel(index);
        truth.push_back((l == kLung || l == kVessel) && (side == 0 || (p[0] - centreX) * side > 0));
      }
  return truth;
}

}  // namespace

TEST(LungStages, ThePhantomsVesselsCrossTheLungs) {
  const auto& labels = *vesselPhantom().labels;
  const auto* v = labels.GetBufferPointer();
  const size_t n = labels.GetLargestPossibleRegion().GetNumberOfPixels();
  const double vessels = double(std::count(v, v + n, kVessel)), lung = double(std::count(v, v + n, kLung));
  EXPECT_NEAR(vessels / (vessels + lung), 0.12, 0.01);
  double sum = 0;
  for (size_t i = 0; i < n; ++i)
    if (v[i] == kVessel) sum += vesselPhantom().image->GetBufferPointer()[i];
  EXPECT_NEAR(sum / vessels, 30, 2) << "mean HU of the vessels";
}

// The vessels (30 HU) lie outside the window [-1000, -600], and the 5 mm seed ball touches some of
// them: the front must flow around them. Before the fix the evolution stopped at once (ITK's RMS
// criterion: the front's RMS change was below 0.02 after 9 iterations) and returned the seed ball,
// 337 voxels, whatever curvature-scaling. The level set's smooth surface may close part of the
// one-voxel tubes around the vessels that connected-threshold leaves out, and sits within half a
// voxel of the window's edge: the two regions differ by at most the vessels' share of the lung
// (12.5%), so Dice >= 0.9.
TEST(LungStages, ThresholdLevelSetFlowsAroundVesselsToTheConnectedThresholdRegion) {
  // One lung at the default resolution (0.8 x 0.8 x 2.5 mm), the grid centred on it.
  PhantomSpec spec;
  spec.size = {80, 96, 24};
  spec.spacing = {0.8, 0.8, 2.5};
  spec.lungOffset = {38, 2, 0};  // the right lung at the centre of the grid
  spec.vesselSpacing = 6;
  const Phantom chest = makeBodyPhantom(spec);
  // Voxel (41, 49, 12): beside vessels, not on one (connected-threshold needs its seed inside the window).
  const Points seed{{{1.2, 1.2, 1.25}}};
  const auto region = segment(chest, "connected-threshold", {{"seeds", seed}, {"lower", -1000.0}, {"upper", -600.0}});
  const size_t regionVoxels = countNonZero(*region);
  ASSERT_GT(regionVoxels, 80000u);
  for (const double curvature : {0.0, 0.2}) {
    SCOPED_TRACE("curvature-scaling " + std::to_string(curvature));
    const auto lung = segment(chest, "threshold-level-set",
                              {{"seeds", seed}, {"lower", -1000.0}, {"upper", -600.0}, {"curvature-scaling", curvature}});
    const double d = dice(*lung, mask(*region));
    RecordProperty("dice-curvature-" + std::to_string(curvature), std::to_string(d));
    EXPECT_GE(d, 0.9) << countNonZero(*lung) << " voxels, connected-threshold " << regionVoxels;
  }
}

// Without vessels the same lung fills up too (before: stopped by the RMS criterion at 81,640 of
// connected-threshold's 100,528 voxels, Dice 0.896).
TEST(LungStages, ThresholdLevelSetWithoutVesselsFillsTheLung) {
  PhantomSpec spec;
  spec.size = {80, 96, 24};
  spec.spacing = {0.8, 0.8, 2.5};
  spec.lungOffset = {38, 2, 0};
  const Phantom plain = makeBodyPhantom(spec);
  const Points seed{{{1.2, 1.2, 1.25}}};
  const auto region = segment(plain, "connected-threshold", {{"seeds", seed}, {"lower", -1000.0}, {"upper", -600.0}});
  const auto lung = segment(plain, "threshold-level-set", {{"seeds", seed}, {"lower", -1000.0}, {"upper", -600.0}});
  EXPECT_GE(dice(*lung, mask(*region)), 0.95);
}

TEST(LungStages, LungMaskFindsBothLungsWhereverTheChestSits) {
  PhantomSpec spec;
  spec.size = {110, 96, 30};
  spec.spacing = {1.8, 1.8, 6.0};
  spec.centre = {250, -90, 1400};
  spec.lungOffset = {-6, 12, -45};  // the lungs are cut by the bottom slice
  spec.vesselSpacing = 9;
  const Phantom chest = makeBodyPhantom(spec);
  const auto lungs = segment(chest, "lung-mask", {});
  // Vessels are soft tissue to a threshold: the mask holds the lungs without them (fill-holes
  // closes those that do not reach the lung's surface).
  std::vector<bool> truth(lungTruth(chest, 250, 0));
  for (size_t i = 0; i < truth.size(); ++i) truth[i] = chest.labels->GetBufferPointer()[i] == kLung;
  EXPECT_GE(dice(*lungs, truth), 0.99);
  const auto right = lungTruth(chest, 250, -1);
  size_t onRight = 0;
  for (size_t i = 0; i < right.size(); ++i) onRight += right[i] && lungs->GetBufferPointer()[i];
  const double share = double(onRight) / double(countNonZero(*lungs));
  EXPECT_GT(share, 0.4) << "both lungs, not one";
  EXPECT_LT(share, 0.6) << "both lungs, not one";

  // Only one lung is kept when the other is much smaller than it.
  const auto one = segment(chest, "lung-mask", {{"second-lung-fraction", 1.0}});
  EXPECT_LT(countNonZero(*one), countNonZero(*lungs) * 6 / 10);
  EXPECT_GT(countNonZero(*one), countNonZero(*lungs) * 4 / 10);
}

TEST(LungStages, LungMaskWithoutAirInsideTheBodySaysSo) {
  PhantomSpec spec;
  spec.size = {48, 40, 8};
  spec.spacing = {4, 4, 10};
  spec.hu.lung = 40;  // no lungs: soft tissue where they were
  const Phantom solid = makeBodyPhantom(spec);
  EXPECT_EQ(errorOf([&] { segment(solid, "lung-mask", {}); }),
            "lung-mask: no air inside the body of at least 10 ml (below -400 HU, not reaching the side of a slice): "
            "is this a chest CT?");
  EXPECT_EQ(errorOf([&] { segment(vesselPhantom(), "lung-mask", {{"minimum-volume", 1e5}}); }).rfind(
                "lung-mask: no air inside the body of at least 100000 ml (below -400 HU, not reaching the side of a "
                "slice; the largest is ",
                0),
            0u);
}

}  // namespace medpipe

