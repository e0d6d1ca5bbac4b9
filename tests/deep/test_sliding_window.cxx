// Sliding windows without libtorch: window placement against MONAI's dense_patch_slices and nnU-Net's
// compute_steps_for_sliding_window (values worked through from their code), the Gaussian importance
// map, and blending checked with networks whose right output is known.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "medpipe/deep/sliding_window.h"

namespace medpipe::deep {
namespace {

WindowOptions monai(double overlap = 0.25) {
  WindowOptions o;
  o.overlap = overlap;
  return o;
}
WindowOptions nnunet() {
  WindowOptions o;
  o.mode = WindowMode::NnUnet;
  return o;
}

TEST(WindowStarts, MonaiStepsByPatchTimesOneMinusOverlapAndShiftsTheLastBackInside) {
  // interval int(32 x 0.75) = 24: 0, 24, 48, then 72 reaches past 100 and moves back to 68.
  EXPECT_EQ(windowStarts(100, 32, monai()), (std::vector<size_t>{0, 24, 48, 68}));
  // overlap 0.5: interval 16; 16 x 4 + 32 = 96 < 100, so a sixth window at 80 - 12 = 68.
  EXPECT_EQ(windowStarts(100, 32, monai(0.5)), (std::vector<size_t>{0, 16, 32, 48, 64, 68}));
  // overlap 0: tiles, the last shifted back.
  EXPECT_EQ(windowStarts(70, 32, monai(0.0)), (std::vector<size_t>{0, 32, 38}));
  EXPECT_EQ(windowStarts(64, 32, monai(0.0)), (std::vector<size_t>{0, 32}));
  EXPECT_EQ(windowStarts(32, 32, monai()), (std::vector<size_t>{0}));
  EXPECT_EQ(windowStarts(20, 32, monai()), (std::vector<size_t>{0}));  // padded to the patch
}

TEST(WindowStarts, NnUnetSpreadsCeilOfHalfPatchStepsEvenlyRoundingHalfToEven) {
  // ceil(68 / 16) + 1 = 6 windows, 68 / 5 = 13.6 apart: 0, 13.6, 27.2, 40.8, 54.4, 68.
  EXPECT_EQ(windowStarts(100, 32, nnunet()), (std::vector<size_t>{0, 14, 27, 41, 54, 68}));
  // ceil(25 / 16) + 1 = 3 windows 12.5 apart: numpy rounds 12.5 to 12.
  EXPECT_EQ(windowStarts(57, 32, nnunet()), (std::vector<size_t>{0, 12, 25}));
  EXPECT_EQ(windowStarts(48, 32, nnunet()), (std::vector<size_t>{0, 16}));
  EXPECT_EQ(windowStarts(32, 32, nnunet()), (std::vector<size_t>{0}));
}

TEST(ImportanceMap, GaussianOfSigmaAnEighthOfThePatchPeakingAtHalfThePatch) {
  const std::array<int, 3> patch{16, 8, 4};
  const auto map = importanceMap(patch, Blend::Gaussian);
  ASSERT_EQ(map.size(), 16u * 8 * 4);
  const auto at = [&](int x, int y, int z) { return map[(size_t(z) * 8 + size_t(y)) * 16 + size_t(x)]; };
  EXPECT_FLOAT_EQ(at(8, 4, 2), 1.0f);
  EXPECT_FLOAT_EQ(*std::max_element(map.begin(), map.end()), 1.0f);
  // sigma 2, 1 and 0.5 voxels.
  EXPECT_NEAR(at(5, 4, 2), std::exp(-9.0 / 8), 1e-6);
  EXPECT_NEAR(at(8, 2, 2), std::exp(-4.0 / 2), 1e-6);
  EXPECT_NEAR(at(8, 4, 3), std::exp(-1.0 / 0.5), 1e-6);
  EXPECT_NEAR(at(0, 0, 0), std::exp(-64.0 / 8 - 16.0 / 2 - 4.0 / 0.5), 1e-9);
  EXPECT_GT(*std::min_element(map.begin(), map.end()), 0.0f);
  const auto flat = importanceMap(patch, Blend::Constant);
  EXPECT_TRUE(std::all_of(flat.begin(), flat.end(), [](float w) { return w == 1.0f; }));
}

std::vector<float> ramp(const Size3& size) {
  std::vector<float> v(size[0] * size[1] * size[2]);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(std::sin(0.37 * double(i)) * 100.0 + double(i % 7));
  return v;
}

// A "network" that returns its input in channel 0 and its negation in channel 1: the blended
// result must be the volume itself, whatever the windows, weights, padding and flips.
void identityForward(const float* in, size_t count, float* out, size_t patchVoxels) {
  for (size_t b = 0; b < count; ++b)
    for (size_t i = 0; i < patchVoxels; ++i) {
      out[(2 * b) * patchVoxels + i] = in[b * patchVoxels + i];
      out[(2 * b + 1) * patchVoxels + i] = -in[b * patchVoxels + i];
    }
}

void expectIdentity(const Size3& size, const std::array<int, 3>& patch, const WindowOptions& options) {
  const auto volume = ramp(size);
  const size_t patchVoxels = size_t(patch[0]) * size_t(patch[1]) * size_t(patch[2]);
  const auto forward = [&](const float* in, size_t count, float* out) { identityForward(in, count, out, patchVoxels); };
  const auto r = slidingWindow(volume.data(), size, patch, 2, options, forward, Progress());
  ASSERT_EQ(r.logits.size(), 2 * volume.size());
  double worst = 0;
  for (size_t i = 0; i < volume.size(); ++i) {
    worst = std::max(worst, double(std::abs(r.logits[i] - volume[i])));
    worst = std::max(worst, double(std::abs(r.logits[volume.size() + i] + volume[i])));
  }
  EXPECT_LT(worst, 1e-3);  // float sums of weighted copies of values up to 106
}

TEST(SlidingWindow, BlendsBackTheVolumeWithEveryModeBlendPaddingAndMirroring) {
  for (const bool mirror : {false, true}) {
    SCOPED_TRACE(mirror ? "mirrored" : "plain");
    WindowOptions o = monai();
    o.mirror = mirror;
    expectIdentity({37, 29, 11}, {16, 8, 8}, o);  // windows overlap, last shifted back
    o.blend = Blend::Constant;
    expectIdentity({37, 29, 11}, {16, 8, 8}, o);
    expectIdentity({10, 5, 3}, {16, 8, 8}, o);  // smaller than the patch: zero-padded
    WindowOptions n = nnunet();
    n.mirror = mirror;
    expectIdentity({37, 29, 11}, {16, 8, 8}, n);
    expectIdentity({10, 29, 3}, {16, 8, 8}, n);
  }
}

TEST(SlidingWindow, WeightsAGaussianMoreAtTheWindowCentre) {
  // A network that answers each window with the window's number: where two windows overlap, the
  // blend leans to the window whose centre is nearer, by the Gaussian weights.
  const Size3 size{24, 1, 1};
  const std::array<int, 3> patch{16, 1, 1};
  WindowOptions o = monai(0.5);  // windows at 0 and 8
  std::vector<float> volume(24, 0.0f);
  size_t window = 0;
  const auto forward = [&](const float*, size_t count, float* out) {
    for (size_t b = 0; b < count; ++b, ++window) std::fill_n(out + b * 16, 16, float(window));
  };
  o.batch = 1;
  const auto r = slidingWindow(volume.data(), size, patch, 1, o, forward, Progress());
  ASSERT_EQ(window, 2u);
  // Voxel 10: offset +2 from window 0's centre (8), -6 from window 1's (16); sigma 2.
  const double w0 = std::exp(-4.0 / 8), w1 = std::exp(-36.0 / 8);
  EXPECT_NEAR(r.logits[10], w1 / (w0 + w1), 1e-6);
  EXPECT_FLOAT_EQ(r.logits[2], 0.0f);   // window 0 only
  EXPECT_FLOAT_EQ(r.logits[20], 1.0f);  // window 1 only
}

TEST(SlidingWindow, TheResultDoesNotDependOnTheBatchAndCountsForwardPasses) {
  const Size3 size{100, 40, 20};
  const std::array<int, 3> patch{32, 16, 8};
  const auto volume = ramp(size);
  const size_t patchVoxels = 32 * 16 * 8;
  const auto forward = [&](const float* in, size_t count, float* out) { identityForward(in, count, out, patchVoxels); };
  WindowOptions one = monai(), three = monai();
  one.batch = 1, three.batch = 3;
  const auto a = slidingWindow(volume.data(), size, patch, 2, one, forward, Progress());
  const auto b = slidingWindow(volume.data(), size, patch, 2, three, forward, Progress());
  EXPECT_EQ(a.logits, b.logits);
  // x: 0 24 48 68; y: 0 12 24; z: 0 6 12 = 36 windows.
  EXPECT_EQ(a.patches, 36u);
  EXPECT_EQ(a.forwardCalls, 36u);
  EXPECT_EQ(b.forwardCalls, 12u);
  three.mirror = true;
  const auto m = slidingWindow(volume.data(), size, patch, 2, three, forward, Progress());
  EXPECT_EQ(m.patches, 36u * 8);
}

TEST(SlidingWindow, StopsAtTheNextBatchOnceCancelled) {
  const Size3 size{64, 64, 64};
  const std::array<int, 3> patch{16, 16, 16};
  const auto volume = ramp(size);
  Progress progress;
  size_t calls = 0;
  const auto forward = [&](const float*, size_t count, float* out) {
    std::fill_n(out, count * 16 * 16 * 16, 0.0f);
    if (++calls == 3) progress.cancel();
  };
  EXPECT_THROW(slidingWindow(volume.data(), size, patch, 1, monai(), forward, progress), std::exception);
  EXPECT_EQ(calls, 3u);
}

TEST(Softmax, SumsToOneAndKeepsTheOrder) {
  std::vector<float> logits{1, -2, 3, 0.5f, 100, -100};  // 3 channels x 2 voxels
  softmaxInPlace(logits, 3);
  EXPECT_NEAR(logits[0] + logits[2] + logits[4], 1.0, 1e-6);
  EXPECT_NEAR(logits[1] + logits[3] + logits[5], 1.0, 1e-6);
  EXPECT_NEAR(logits[4], 1.0, 1e-6);
  EXPECT_NEAR(logits[1], std::exp(-2.0) / (std::exp(-2.0) + std::exp(0.5) + std::exp(-100.0)), 1e-6);
}

}  // namespace
}  // namespace medpipe::deep
