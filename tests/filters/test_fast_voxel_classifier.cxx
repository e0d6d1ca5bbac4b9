// The fast voxel classifier (slice-by-slice feature bank, forest walked by groups of 32 voxels)
// against the one it replaced (tests/support/reference_voxel_classifier.cxx): the same bits, for the
// features (every column, memcmp; a NaN is matched by a NaN, whose sign bit is whichever operand
// the compiler put first) and for classify's labels and probabilities, on
// volumes whose kernels reach past every border, anisotropic voxels, one-slice volumes, subsets of
// the feature kinds, two channels, masks, non-finite voxels, 1 and 3 threads, models of 1 to 32
// trees and 2 to 6 classes, and the forest on SSE2 alone as well as on AVX2.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>

#include "medpipe/ml/model_file.h"
#include "medpipe/ml/voxel_classifier.h"
#include "classifier_model_support.h"
#include "reference_voxel_classifier.h"

namespace medpipe {
namespace {

using ml::FeatureKind;

// Nested lobed shells of 200/300/400 (class 1 outside, 3 inside) times a bias along x, sigma 20
// noise; truth[i] is the class. Sizes need not be multiples of anything.
struct Volume {
  size_t size[3];
  double spacing[3];
  std::vector<float> voxels;
  std::vector<std::uint8_t> truth;
  ml::VolumeView view() const {
    ml::VolumeView v;
    v.channel = {voxels.data()};
    for (int d = 0; d < 3; ++d) v.size[d] = size[d], v.spacing[d] = spacing[d];
    return v;
  }
};

Volume shells(size_t nx, size_t ny, size_t nz, std::array<double, 3> spacing, unsigned seed) {
  Volume v{{nx, ny, nz}, {spacing[0], spacing[1], spacing[2]}, {}, {}};
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 20);
  for (size_t z = 0; z < nz; ++z)
    for (size_t y = 0; y < ny; ++y)
      for (size_t x = 0; x < nx; ++x) {
        const double px = (double(x) - (double(nx) - 1) / 2) / (double(nx) / 2);
        const double py = (double(y) - (double(ny) - 1) / 2) / (double(ny) / 2);
        const double pz = nz > 1 ? (double(z) - (double(nz) - 1) / 2) / (double(nz) / 2) : 0;
        const double rho = std::sqrt(px * px + py * py + pz * pz) * (1 + 0.1 * std::sin(3 * std::atan2(py, px)));
        const int c = rho < 0.6 ? 3 : rho < 0.9 ? 2 : 1;
        v.truth.push_back(std::uint8_t(c));
        v.voxels.push_back(float((100.0 + 100.0 * c) * (0.9 + 0.2 * double(x) / double(std::max<size_t>(1, nx - 1))) +
                                 noise(random)));
      }
  return v;
}

// A few voxels of NaN and +-inf: their neighbours' features are NaN too, the same NaNs both ways.
void spoil(Volume& v) {
  const size_t n = v.voxels.size();
  v.voxels[n / 3] = std::numeric_limits<float>::quiet_NaN();
  v.voxels[n / 2 + 7] = std::numeric_limits<float>::infinity();
  v.voxels[2 * n / 3 + 1] = -std::numeric_limits<float>::infinity();
}

ml::FeatureBank bank(std::vector<double> scales, std::vector<FeatureKind> kinds = {}, bool position = false) {
  ml::FeatureBank b;
  b.scalesMm = std::move(scales);
  if (!kinds.empty()) b.kinds = std::move(kinds);
  b.position = position;
  return b;
}

// The voxels where a and b differ: in bits, or one a NaN and the other not.
size_t differences(const float* a, const float* b, size_t n) {
  size_t different = 0;
  for (size_t i = 0; i < n; ++i)
    different += std::isnan(a[i]) ? !std::isnan(b[i]) : std::memcmp(a + i, b + i, sizeof(float)) != 0;
  return different;
}

// Slices [z0, z1) of every column, new (on the CPU's best instructions, on at most AVX2 and on SSE2)
// against reference, bit for bit.
void expectSameFeatures(const ml::VolumeView& v, const ml::FeatureBank& b, size_t z0, size_t z1) {
  const size_t n = (z1 - z0) * v.sliceVoxels(), F = b.featureCount();
  std::vector<float> fast(F * n), reference(F * n);
  test::reference::slabFeatures(v, b, z0, z1, reference.data(), Progress());
  const auto names = b.featureNames();
  using ml::Instructions;
  for (auto [limit, name] : {std::pair{Instructions::Best, "best instructions"},
                             std::pair{Instructions::Avx2, "at most AVX2"}, std::pair{Instructions::Sse2, "SSE2"}}) {
    ml::limitInstructionsForTesting(limit);
    ml::computeSlabFeatures(v, b, z0, z1, fast.data(), Progress());
    for (size_t f = 0; f < F; ++f)
      EXPECT_EQ(differences(fast.data() + f * n, reference.data() + f * n, n), 0u)
          << names[f] << ", slices " << z0 << ".." << z1 << " of " << v.size[0] << "x" << v.size[1] << "x"
          << v.size[2] << ", " << name;
  }
  ml::limitInstructionsForTesting(ml::Instructions::Best);
}

TEST(FastFeatureBank, SameBitsAsTheSlabBankOnEveryColumn) {
  const Volume cube = shells(48, 40, 36, {1, 1, 1}, 5);
  expectSameFeatures(cube.view(), ml::FeatureBank{}, 0, 36);
  expectSameFeatures(cube.view(), ml::FeatureBank{}, 13, 17);
  Volume ct = shells(37, 29, 23, {0.7, 0.7, 2.5}, 6);  // anisotropic, odd sizes
  spoil(ct);
  expectSameFeatures(ct.view(), bank({1, 4}, {}, true), 0, 23);
  expectSameFeatures(ct.view(), bank({2}, {FeatureKind::Hessian, FeatureKind::Gaussian}), 5, 9);
  expectSameFeatures(ct.view(), bank({3}, {FeatureKind::StructureTensor}), 20, 23);
  expectSameFeatures(ct.view(), bank({1.5}, {FeatureKind::DifferenceOfGaussians, FeatureKind::GradientMagnitude}), 0, 1);
}

TEST(FastFeatureBank, SameBitsWhereTheKernelsReachPastTheVolume) {
  const Volume tiny = shells(6, 5, 4, {0.5, 2, 3}, 7);
  expectSameFeatures(tiny.view(), bank({1, 4}, {}, true), 0, 4);
  expectSameFeatures(tiny.view(), bank({1, 4}), 1, 3);
  const Volume slice = shells(40, 30, 1, {0.8, 0.8, 5}, 8);
  expectSameFeatures(slice.view(), ml::FeatureBank{}, 0, 1);
}

TEST(FastFeatureBank, SameBitsWithTwoChannels) {
  const Volume a = shells(33, 31, 19, {1, 1, 1.5}, 9), b = shells(33, 31, 19, {1, 1, 1.5}, 10);
  ml::VolumeView v = a.view();
  v.channel.push_back(b.voxels.data());
  ml::FeatureBank two = bank({1, 2});
  two.channels = 2;
  expectSameFeatures(v, two, 3, 19);
}

// The vectorised cos(acos(c) / 3) of the eigenvalues (on AVX2 + FMA CPUs): every 61st float of
// [-1, 1], 35 million, the same bits as glibc's scalar calls (every float was checked once, see
// modules/ml/src/trisected_cosines_avx2.cxx).
TEST(FastFeatureBank, EigenAngleStepGivesLibmsBits) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) GTEST_SKIP() << "no AVX2 and FMA: scalar calls";
  EXPECT_EQ(ml::eigenAngleMismatchesForTesting(61), 0u);  // size_t(-1): the check at first use failed
}

// --- classify -----------------------------------------------------------------------------------

// labels and every class's probability, new against reference, bit for bit
void expectSameClassification(const ml::VoxelClassifier& model, const ml::VolumeView& v, const std::uint8_t* mask,
                              unsigned threads, const std::string& what) {
  const size_t n = v.sliceVoxels() * v.size[2], C = model.classes.size();
  std::vector<std::uint8_t> labels(n, 99), referenceLabels(n, 77);
  std::vector<std::vector<float>> p(C, std::vector<float>(n, -1)), referenceP(C, std::vector<float>(n, -2));
  ml::Classification fast, reference;
  fast.labels = labels.data(), reference.labels = referenceLabels.data();
  for (size_t k = 0; k < C; ++k) fast.probabilities.push_back(p[k].data()), reference.probabilities.push_back(referenceP[k].data());
  ml::classify(model, v, mask, threads, fast, Progress());
  test::reference::classifyVoxels(model, v, mask, 1, reference, Progress());
  EXPECT_EQ(labels, referenceLabels) << what;
  for (size_t k = 0; k < C; ++k)
    EXPECT_EQ(differences(p[k].data(), referenceP[k].data(), n), 0u) << what << ", class " << k;
}

ml::VoxelClassifier trained(const Volume& v, const std::vector<std::uint8_t>& painted, unsigned trees) {
  ml::TrainingOptions options;
  options.trees = trees;
  return ml::trainVoxelClassifier(v.view(), painted.data(), "painted", ml::FeatureBank{}, options, {}, Progress());
}

// One voxel in 100 painted with `label(voxel)`.
template <typename Label>
std::vector<std::uint8_t> paint(const Volume& v, Label label) {
  std::mt19937 random(3);
  std::uniform_real_distribution<double> draw(0, 1);
  std::vector<std::uint8_t> painted(v.voxels.size(), 0);
  for (size_t i = 0; i < painted.size(); ++i)
    if (draw(random) < 0.01) painted[i] = std::uint8_t(label(i));
  return painted;
}

void classifyEveryWay(const ml::VoxelClassifier& model, const ml::VolumeView& v, const std::uint8_t* mask,
                      const std::string& what) {
  using ml::Instructions;
  for (auto [limit, name] : {std::pair{Instructions::Best, "best instructions"},
                             std::pair{Instructions::Avx2, "at most AVX2"}, std::pair{Instructions::Sse2, "SSE2"}}) {
    ml::limitInstructionsForTesting(limit);
    for (unsigned threads : {1u, 3u})
      expectSameClassification(model, v, mask, threads, what + ", " + name + ", " + std::to_string(threads) + " threads");
  }
  ml::limitInstructionsForTesting(Instructions::Best);
}

TEST(FastVoxelClassifier, SameLabelsAndProbabilitiesAsOneVoxelAtATime) {
  if (!ml::forestTrainingAvailable()) GTEST_SKIP() << "built without VIGRA: no training";
  Volume ct = shells(61, 53, 27, {0.7, 0.7, 1.2}, 11);
  const auto model = trained(ct, paint(ct, [&](size_t i) { return ct.truth[i]; }), 32);
  classifyEveryWay(model, ct.view(), nullptr, "3 classes, 32 trees");

  // six classes (more than a group's registers hold): the shells, split at the middle column
  const auto six = trained(ct, paint(ct, [&](size_t i) { return ct.truth[i] + 3 * (i % 61 >= 30); }), 8);
  ASSERT_EQ(six.classes.size(), 6u);
  classifyEveryWay(six, ct.view(), nullptr, "6 classes, 8 trees");

  spoil(ct);  // non-finite voxels get 0; their neighbours' NaN features go down the trees alike
  std::vector<std::uint8_t> mask(ct.voxels.size());
  for (size_t i = 0; i < mask.size(); ++i) mask[i] = (i / 7) % 3 != 0;
  classifyEveryWay(model, ct.view(), mask.data(), "masked, non-finite voxels");
}

TEST(FastVoxelClassifier, SameLabelsForAHandWrittenOneTreeModel) {
  const auto model = ml::readModel(test::airBodyModelPath());
  Volume v = shells(35, 17, 9, {1, 1, 1}, 12);
  for (size_t i = 0; i < v.voxels.size(); ++i)
    if (i % 35 < 12) v.voxels[i] = -1000;  // air beside the body: both sides of the -200 split
  classifyEveryWay(model, v.view(), nullptr, "air-body model");
}

}  // namespace
}  // namespace medpipe
