// The intensity-volume histogram's three cases (IBSI 4.1.5) on ten voxels of 0, 10, ..., 90, values
// worked out by hand: the total range G is the re-segmentation range for discrete and fixed-bin-size
// intensities, and fixed bin number gives bin numbers (IBSI's CT configuration E: 770, 399 bins).
#include <gtest/gtest.h>

#include <map>

#include "medpipe/radiomics/features.h"

namespace medpipe::radiomics {
namespace {

std::map<std::string, double> ivh(FeatureSettings settings) {
  RoiImage roi;
  roi.grid.size = {10, 1, 1};
  for (int i = 0; i < 10; ++i) roi.intensity.push_back(10.0 * i);
  roi.morphMask.assign(10, 1);
  roi.intensityMask.assign(10, 1);
  settings.families = {"ivh"};
  std::map<std::string, double> out;
  for (const auto& f : computeFeatures(roi, settings)) out[f.tag] = f.value;
  return out;
}

TEST(IntensityVolumeHistogram, DiscreteIntensitiesOverTheResegmentationRange) {
  FeatureSettings s;
  s.ivhLowerBound = -100, s.ivhUpperBound = 100;  // G = [-100, 100] in steps of 1
  const auto f = ivh(s);
  EXPECT_DOUBLE_EQ(f.at("ivh_v10"), 1.0);  // gamma >= 0.1 from -80: every voxel
  EXPECT_DOUBLE_EQ(f.at("ivh_v90"), 0.2);  // from 80: 80 and 90 (over [0, 90] it would be 0.1)
  EXPECT_DOUBLE_EQ(f.at("ivh_i10"), 81);   // the lowest intensity that at most 10 % reach
  EXPECT_DOUBLE_EQ(f.at("ivh_i90"), 1);
  // Without a range, G is the region's [0, 90].
  const auto own = ivh(FeatureSettings{});
  EXPECT_DOUBLE_EQ(own.at("ivh_v90"), 0.1);  // from 81
}

TEST(IntensityVolumeHistogram, FixedBinSizeEvaluatesBinCentresOverTheRange) {
  FeatureSettings s;
  s.ivhBinWidth = 2.5;
  s.ivhLowerBound = -100, s.ivhUpperBound = 400;  // G = [-98.75, 398.75]
  const auto f = ivh(s);
  EXPECT_DOUBLE_EQ(f.at("ivh_v10"), 1.0);    // from -48.75
  EXPECT_DOUBLE_EQ(f.at("ivh_v90"), 0.0);    // from 351.25: nothing
  EXPECT_DOUBLE_EQ(f.at("ivh_i10"), 83.75);  // 90 is in the bin centred at 91.25, 80 at 81.25
  EXPECT_DOUBLE_EQ(f.at("ivh_i90"), 3.75);   // 0 is at 1.25
}

TEST(IntensityVolumeHistogram, FixedBinNumberGivesBinNumbers) {
  FeatureSettings s;
  s.ivhBinCount = 1000;                           // X_d = floor(1000 x / 90) + 1, 90 in bin 1000; G = [1, 1000]
  s.ivhLowerBound = -100, s.ivhUpperBound = 400;  // not used: arbitrary units have no range
  const auto f = ivh(s);
  EXPECT_DOUBLE_EQ(f.at("ivh_i10"), 890);  // 80 is in bin 889
  EXPECT_DOUBLE_EQ(f.at("ivh_i90"), 2);    // 0 is in bin 1
  EXPECT_DOUBLE_EQ(f.at("ivh_diff_i10_i90"), 888);
  EXPECT_DOUBLE_EQ(f.at("ivh_v10"), 0.9);  // from bin 101 (gamma 100/999): 10 (bin 112) and up
  EXPECT_DOUBLE_EQ(f.at("ivh_v90"), 0.1);  // from bin 901: 90 only
}

}  // namespace
}  // namespace medpipe::radiomics
