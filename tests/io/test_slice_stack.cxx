// Slice order and geometry from ImagePositionPatient, on headers made up in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "medpipe/core/error.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe {
namespace {

DicomHeader slice(const Vec3& position, int instance, const std::array<double, 6>& iop = {1, 0, 0, 0, 1, 0}) {
  DicomHeader h;
  h.path = "IM" + std::to_string(instance);
  h.instanceNumber = instance;
  h.rows = h.columns = 4;
  h.imagePosition = std::array<double, 3>{position[0], position[1], position[2]};
  h.imageOrientation = iop;
  h.pixelSpacing = std::array<double, 2>{0.7, 0.5};  // row spacing (y), column spacing (x)
  h.sliceThickness = 9;                               // deliberately wrong: spacing comes from positions
  return h;
}

std::vector<DicomHeader> axialStack(const std::vector<double>& zs) {
  std::vector<DicomHeader> slices;
  for (size_t i = 0; i < zs.size(); ++i) slices.push_back(slice({-10, -20, zs[i]}, static_cast<int>(i + 1)));
  return slices;
}

}  // namespace

TEST(SliceStack, SortsByPositionNotByFileOrInstanceNumber) {
  auto slices = axialStack({0, 2, 4, 6, 8});
  for (auto& s : slices) s.instanceNumber = 100 - s.instanceNumber;  // reversed instance numbers
  std::shuffle(slices.begin(), slices.end(), std::mt19937(7));
  const SliceStack stack = buildSliceStack(slices);
  ASSERT_EQ(stack.slices.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ((*stack.slices[i].imagePosition)[2], 2.0 * i);
  EXPECT_EQ(stack.origin, (Vec3{-10, -20, 0}));
  EXPECT_DOUBLE_EQ(stack.spacing[0], 0.5);
  EXPECT_DOUBLE_EQ(stack.spacing[1], 0.7);
  EXPECT_DOUBLE_EQ(stack.spacing[2], 2.0);
  EXPECT_TRUE(stack.health.regular());
  EXPECT_EQ(stack.health.summary(), "OK");
}

TEST(SliceStack, SortsAlongTheNormalOfAnObliqueStack) {
  const double c = std::cos(0.3), s = std::sin(0.3);
  const std::array<double, 6> iop{1, 0, 0, 0, c, s};
  const Vec3 normal = cross({1, 0, 0}, {0, c, s});
  std::vector<DicomHeader> slices;
  for (int k : {3, 0, 2, 1}) slices.push_back(slice({normal[0] * 1.5 * k, normal[1] * 1.5 * k, normal[2] * 1.5 * k}, k + 1, iop));
  const SliceStack stack = buildSliceStack(slices);
  EXPECT_EQ(stack.slices.front().instanceNumber, 1);
  EXPECT_EQ(stack.slices.back().instanceNumber, 4);
  EXPECT_NEAR(stack.spacing[2], 1.5, 1e-9);
  EXPECT_TRUE(stack.health.regular()) << stack.health.summary();
}

TEST(SliceStack, ReportsMissingSlicesWithTheirPositions) {
  const SliceStack stack = buildSliceStack(axialStack({0, 2, 4, 10, 12}));
  EXPECT_DOUBLE_EQ(stack.spacing[2], 2.0);
  EXPECT_EQ(stack.health.missingSliceAt, (std::vector<double>{6, 8}));
  EXPECT_EQ(stack.health.summary(), "missing slices at 6 8 mm");
}

TEST(SliceStack, TellsMissingSlicesFromNonUniformSpacing) {
  const SliceStack stack = buildSliceStack(axialStack({0, 1, 2, 5, 6}));
  EXPECT_FALSE(stack.health.nonUniformSpacing);
  EXPECT_DOUBLE_EQ(stack.health.minSpacing, 1);
  EXPECT_DOUBLE_EQ(stack.health.maxSpacing, 3);
  EXPECT_EQ(stack.health.summary(), "missing slices at 3 4 mm");  // 3 mm = two missing 1 mm slices
  const SliceStack uneven = buildSliceStack(axialStack({0, 1, 2, 3.5, 4.5}));
  EXPECT_EQ(uneven.health.summary(), "non-uniform spacing 1-1.5 mm");
}

TEST(SliceStack, MeasuresGantryTilt) {
  // Axial slices whose positions advance in y as well as z: a 20 degree tilt.
  const double t = std::tan(20 * 3.14159265358979323846 / 180);
  std::vector<DicomHeader> slices;
  for (int k = 0; k < 5; ++k) slices.push_back(slice({0, t * 2 * k, 2.0 * k}, k + 1));
  const SliceStack stack = buildSliceStack(slices);
  EXPECT_NEAR(stack.health.gantryTiltDegrees, 20, 1e-6);
  EXPECT_DOUBLE_EQ(stack.spacing[2], 2.0);
  EXPECT_EQ(stack.health.summary(), "gantry tilt 20 deg");
}

TEST(SliceStack, RejectsTwoSlicesAtOnePositionNamingBothFiles) {
  try {
    buildSliceStack(axialStack({0, 2, 2, 4}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "IM3: ImagePositionPatient: same position as IM2");
  }
}

TEST(SliceStack, RejectsMissingGeometryNamingFileAndField) {
  auto slices = axialStack({0, 2});
  slices[1].imageOrientation.reset();
  try {
    buildSliceStack(slices);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "IM2: ImageOrientationPatient: missing");
  }
}

}  // namespace medpipe
