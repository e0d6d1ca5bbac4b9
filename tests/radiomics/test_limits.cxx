// Inputs pyradiomics stops on (its issues 489, 878, 953): many bins work; more grey levels than the
// limit, or an empty region, stop with a message naming the setting.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "medpipe/core/error.h"
#include "medpipe/radiomics/features.h"

namespace medpipe::radiomics {
namespace {

RoiImage randomRegion(int n, unsigned seed) {
  RoiImage roi;
  roi.grid.size = {n, n, n};
  const size_t count = roi.grid.count();
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> hu(0, 65535);  // the whole uint16 range
  for (size_t i = 0; i < count; ++i) roi.intensity.push_back(hu(random));
  roi.morphMask.assign(count, 1);
  roi.intensityMask.assign(count, 1);
  return roi;
}

TEST(Limits, ThreeThousandBinsWork) {
  const RoiImage roi = randomRegion(24, 5);
  FeatureSettings settings;
  settings.discretisation.method = Discretisation::BinCount;
  settings.discretisation.binCount = 3000;
  settings.families = {"ih", "cm", "rlm", "szm", "dzm", "ngt", "ngl"};
  const auto features = computeFeatures(roi, settings);
  EXPECT_EQ(features.size(), 23u + 150u + 96u + 48u + 48u + 15u + 51u);
  size_t finite = 0;
  for (const auto& f : features) finite += std::isfinite(f.value);
  EXPECT_EQ(finite, features.size());
}

TEST(Limits, TooManyGreyLevelsNameTheSetting) {
  const RoiImage roi = randomRegion(6, 7);
  FeatureSettings settings;
  settings.discretisation.binWidth = 0.5;  // 65536 / 0.5 levels
  settings.families = {"cm"};
  try {
    computeFeatures(roi, settings);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().field, "bin-width");
    EXPECT_NE(e.info().reason.find("more than the limit of 65536"), std::string::npos) << e.what();
  }
}

TEST(Limits, EmptyRegionIsAnError) {
  RoiImage roi = randomRegion(4, 9);
  roi.intensityMask.assign(roi.intensityMask.size(), 0);
  EXPECT_THROW(computeFeatures(roi, FeatureSettings{}), Error);
}

}  // namespace
}  // namespace medpipe::radiomics
