// Lungs as real chest CTs have them: crossed by one-voxel vessels, anywhere in the image.
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

