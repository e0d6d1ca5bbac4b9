// The trained voxel classifier (train-classifier, classify-voxels, voxel-class-probability): the
// feature bank against formulas, Dice on a 3-class phantom with sigma 20 noise and a +-10 % bias
// field from 1 % of its voxels painted (and against k-means on the same image), determinism, the
// model file, and the messages of bad input.
#include <gtest/gtest.h>

#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "medpipe/ml/model_file.h"
#include "classifier_model_support.h"
#include "stage_test_support.h"
#include "test_support.h"

namespace medpipe {
namespace {

using test::errorOf;

constexpr unsigned kN = 64;
constexpr size_t kVoxels = size_t(kN) * kN * kN;
const double kMeans[4] = {0, 200, 300, 400};  // classes 1..3 before the bias

// Nested lobed shells as in test_tissue_classes.cxx: class 3 inside, 2 around it, 1 outside.
LabelImage::Pointer truth() {
  static const LabelImage::Pointer labels = [] {
    auto l = LabelImage::New();
    l->SetRegions(LabelImage::SizeType{{kN, kN, kN}});
    l->Allocate();
    for (unsigned z = 0; z < kN; ++z)
      for (unsigned y = 0; y < kN; ++y)
        for (unsigned x = 0; x < kN; ++x) {
          const double px = (x - 31.5) / 32, py = (y - 31.5) / 32, pz = (z - 31.5) / 32;
          const double rho = std::sqrt(px * px + py * py + pz * pz) * (1 + 0.1 * std::sin(3 * std::atan2(py, px)));
          l->SetPixel({{x, y, z}}, rho < 0.6 ? 3 : rho < 0.9 ? 2 : 1);
        }
    return l;
  }();
  return labels;
}

// Class means times a bias rising from 0.9 (x = 0) to 1.1 (last column), plus noise of sigma 20.
ImageF::Pointer noisyImage(unsigned seed) {
  auto im = ImageF::New();
  im->CopyInformation(truth());
  im->SetRegions(truth()->GetLargestPossibleRegion());
  im->Allocate();
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 20);
  for (size_t i = 0; i < kVoxels; ++i) {
    const double bias = 0.9 + 0.2 * double(i % kN) / (kN - 1);
    im->GetBufferPointer()[i] = float(kMeans[truth()->GetBufferPointer()[i]] * bias + noise(random));
  }
  return im;
}

const ImageF::Pointer& phantom() {
  static const ImageF::Pointer p = noisyImage(7);
  return p;
}

// `fraction` of the voxels, drawn at random, painted with their true class.
LabelImage::Pointer scribbles(double fraction, unsigned seed, const std::vector<int>& only = {}) {
  auto s = LabelImage::New();
  s->CopyInformation(truth());
  s->SetRegions(truth()->GetLargestPossibleRegion());
  s->Allocate();
  s->FillBuffer(0);
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> draw(0, 1);
  for (size_t i = 0; i < kVoxels; ++i) {
    const int c = truth()->GetBufferPointer()[i];
    if (draw(random) < fraction && (only.empty() || std::count(only.begin(), only.end(), c)))
      s->GetBufferPointer()[i] = std::uint8_t(c);
  }
  return s;
}

ml::VolumeView viewOf(const std::vector<ImageF::Pointer>& channels) {
  ml::VolumeView v;
  for (unsigned d = 0; d < 3; ++d)
    v.size[d] = channels[0]->GetLargestPossibleRegion().GetSize()[d], v.spacing[d] = channels[0]->GetSpacing()[d];
  for (const auto& c : channels) v.channel.push_back(c->GetBufferPointer());
  return v;
}

ml::VoxelClassifier train(const std::vector<ImageF::Pointer>& channels, const LabelImage& painted, unsigned seed = 1,
                          unsigned trees = 32) {
  ml::TrainingOptions options;
  options.seed = seed, options.trees = trees;
  return ml::trainVoxelClassifier(viewOf(channels), painted.GetBufferPointer(), "scribbles.nii.gz", ml::FeatureBank{},
                                  options, {{1, "dark"}, {3, "bright"}}, Progress());
}

// The model trained once on the phantom with 1 % of its voxels painted, as a file.
const std::string& phantomModel() {
  static test::TempDir dir("voxel-classifier");
  static const std::string path = [] {
    const std::string file = (dir / "phantom.model").string();
    ml::writeModel(train({phantom()}, *scribbles(0.01, 11)), file);
    return file;
  }();
  return path;
}

// Dice of label c of `result` with class c of the truth.
double dice(const LabelImage& result, std::uint8_t c) { return test::labelDice(result, *truth(), c, c); }

StageData apply(const std::string& stage, const std::map<std::string, ParameterValue>& parameters,
                const StageInputs& in = {{"image", {phantom(), nullptr, nullptr}}}) {
  return runStage(findStage(stage), in, parameters);
}

bool requireTraining() { return ml::forestTrainingAvailable(); }
#define SKIP_WITHOUT_VIGRA() \
  if (!requireTraining()) GTEST_SKIP() << "built without VIGRA (libvigraimpex-dev): no training"

// --- the feature bank against formulas ---------------------------------------------------------

// f(x, y, z) sampled on a 48^3 grid of `spacing` mm (the kernels reach 20 voxels at most here);
// features at the centre voxel.
std::vector<float> featuresAtCentre(double spacing, const std::function<double(double, double, double)>& f,
                                    const ml::FeatureBank& bank) {
  const size_t n = 48, c = 24;
  std::vector<float> volume(n * n * n);
  for (size_t z = 0; z < n; ++z)
    for (size_t y = 0; y < n; ++y)
      for (size_t x = 0; x < n; ++x)
        volume[(z * n + y) * n + x] = float(f((double(x) - c) * spacing, (double(y) - c) * spacing, (double(z) - c) * spacing));
  ml::VolumeView v;
  v.channel = {volume.data()};
  v.size[0] = v.size[1] = v.size[2] = n;
  v.spacing[0] = v.spacing[1] = v.spacing[2] = spacing;
  std::vector<float> out(bank.featureCount() * n * n);
  ml::computeSlabFeatures(v, bank, c, c + 1, out.data(), Progress());
  std::vector<float> centre;
  for (size_t k = 0; k < bank.featureCount(); ++k) centre.push_back(out[k * n * n + c * n + c]);
  return centre;
}

ml::FeatureBank oneScale(double mm) {
  ml::FeatureBank bank;
  bank.scalesMm = {mm};
  return bank;  // columns: gaussian, log, gradient-magnitude, dog, structure-tensor 1-3, hessian 1-3
}

TEST(FeatureBank, NamesEveryColumn) {
  ml::FeatureBank bank;
  bank.channels = 2, bank.position = true;
  const auto names = bank.featureNames();
  ASSERT_EQ(names.size(), bank.featureCount());
  EXPECT_EQ(names.size(), 2u * 3 * 10 + 3);
  EXPECT_EQ(names[0], "c1.gaussian.1mm");
  EXPECT_EQ(names[7], "c1.hessian-1.1mm");
  EXPECT_EQ(names[10], "c1.gaussian.2mm");
  EXPECT_EQ(names[30], "c2.gaussian.1mm");
  EXPECT_EQ(names.back(), "z-mm");
}

// A ramp of 3 per mm in x: smoothing keeps it, the gradient is 3 whatever the spacing, the second
// derivatives and the difference of Gaussians vanish; structure tensor: 9 (outer smoothing of 3^2), 0, 0.
TEST(FeatureBank, RampGivesItsSlopeInEveryUnitOfSpacing) {
  for (double spacing : {0.5, 1.0, 2.0}) {
    const auto f = featuresAtCentre(spacing, [](double x, double, double) { return 3 * x + 10; }, oneScale(2.0));
    EXPECT_NEAR(f[0], 10, 1e-3) << spacing;
    EXPECT_NEAR(f[1], 0, 1e-3) << spacing;
    EXPECT_NEAR(f[2], 3, 1e-4) << spacing;
    EXPECT_NEAR(f[3], 0, 1e-3) << spacing;
    EXPECT_NEAR(f[4], 9, 1e-3) << spacing;
    EXPECT_NEAR(f[5], 0, 1e-3) << spacing;
    EXPECT_NEAR(f[8], 0, 1e-3) << spacing;
  }
}

// f = x^2 - 2 y^2 + 0.5 z^2 (mm): Hessian eigenvalues 2, 1, -4 and Laplacian -1 at any scale and
// spacing; the Gaussian of sigma s adds s^2 (2 - 4 + 1) / 2 to the value at 0 (within 2 %: the
// kernel is cut at 3 sigma).
TEST(FeatureBank, ParabolaGivesItsHessian) {
  for (double spacing : {0.5, 1.0}) {
    const auto f = featuresAtCentre(spacing, [](double x, double y, double z) { return x * x - 2 * y * y + 0.5 * z * z; },
                                    oneScale(1.0));
    EXPECT_NEAR(f[0], (2 - 4 + 1) * 1.0 / 2, 1e-2) << spacing;
    EXPECT_NEAR(f[1], -1, 2e-3) << spacing;
    EXPECT_NEAR(f[7], 2, 2e-3) << spacing;
    EXPECT_NEAR(f[8], 1, 2e-3) << spacing;
    EXPECT_NEAR(f[9], -4, 2e-3) << spacing;
  }
}

// The optional position columns: x, y, z in mm from the first voxel, after every image feature.
TEST(FeatureBank, PositionIsInMillimetres) {
  ml::FeatureBank bank = oneScale(1.0);
  bank.position = true;
  std::vector<float> volume(6 * 5 * 4, 1.0f);
  ml::VolumeView v;
  v.channel = {volume.data()};
  v.size[0] = 6, v.size[1] = 5, v.size[2] = 4;
  v.spacing[0] = 0.5, v.spacing[1] = 2, v.spacing[2] = 3;
  const size_t n = 6 * 5 * 2;  // slices 1 and 2
  std::vector<float> out(bank.featureCount() * n);
  ml::computeSlabFeatures(v, bank, 1, 3, out.data(), Progress());
  const size_t voxel = (1 * 5 + 3) * 6 + 4;  // x 4, y 3, slice 2 (the second of the slab)
  EXPECT_EQ(out[10 * n + voxel], 2.0f);
  EXPECT_EQ(out[11 * n + voxel], 6.0f);
  EXPECT_EQ(out[12 * n + voxel], 6.0f);
  EXPECT_NEAR(out[voxel], 1.0f, 1e-6);  // the Gaussian of a constant
}

// Slabs of any thickness give the same features bit for bit (the slab layout follows the image size).
TEST(FeatureBank, SlabsGiveTheWholeVolumesValues) {
  const auto v = viewOf({phantom()});
  const ml::FeatureBank bank;
  const size_t S = v.sliceVoxels(), F = bank.featureCount();
  std::vector<float> whole(F * S * 12), parts(F * S * 5);
  ml::computeSlabFeatures(v, bank, 20, 32, whole.data(), Progress());
  ml::computeSlabFeatures(v, bank, 25, 30, parts.data(), Progress());
  for (size_t k = 0; k < F; ++k)
    ASSERT_TRUE(std::equal(parts.begin() + long(k * S * 5), parts.begin() + long((k + 1) * S * 5),
                           whole.begin() + long(k * S * 12 + 5 * S)))
        << bank.featureNames()[k];
}

// --- trained on the phantom --------------------------------------------------------------------

TEST(VoxelClassifier, OnePercentPaintedGivesDiceOverNinetyPerClassAndBeatsKmeans) {
  SKIP_WITHOUT_VIGRA();
  const auto labels = apply("classify-voxels", {{"model", phantomModel()}}).labels;
  const auto kmeans = apply("kmeans-classes", {{"classes", 3L}}).labels;
  double sum = 0, sumKmeans = 0;
  for (std::uint8_t c = 1; c <= 3; ++c) {
    const double d = dice(*labels, c), k = dice(*kmeans, c);
    RecordProperty("dice_class_" + std::to_string(c), std::to_string(d) + " (k-means " + std::to_string(k) + ")");
    EXPECT_GE(d, 0.9) << "class " << int(c);
    EXPECT_GT(d, k) << "class " << int(c) << ": k-means " << k;
    sum += d, sumKmeans += k;
  }
  std::printf("[ note ] mean Dice %.4f, k-means %.4f\n", sum / 3, sumKmeans / 3);
  const auto model = ml::readModel(phantomModel());
  EXPECT_GE(model.outOfBagError, 0.0);
  EXPECT_LT(model.outOfBagError, 0.1);
  EXPECT_EQ(model.classes.size(), 3u);
  EXPECT_EQ(model.classes[0].name, "dark");
  EXPECT_EQ(model.classes[1].name, "class 2");
  EXPECT_EQ(model.forest.size(), 32u);
  EXPECT_NEAR(double(model.classes[0].paintedVoxels + model.classes[1].paintedVoxels + model.classes[2].paintedVoxels),
              0.01 * kVoxels, 0.001 * kVoxels);
}

TEST(VoxelClassifier, SameLabelsAndProbabilitiesForAnyThreadCount) {
  SKIP_WITHOUT_VIGRA();
  const auto before = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(1);
  const auto one = apply("classify-voxels", {{"model", phantomModel()}}).labels;
  const auto p1 = apply("voxel-class-probability", {{"model", phantomModel()}, {"class", 2L}}).image;
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(3);
  const auto three = apply("classify-voxels", {{"model", phantomModel()}}).labels;
  const auto p3 = apply("voxel-class-probability", {{"model", phantomModel()}, {"class", 2L}}).image;
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(before);
  EXPECT_TRUE(std::equal(one->GetBufferPointer(), one->GetBufferPointer() + kVoxels, three->GetBufferPointer()));
  EXPECT_TRUE(std::equal(p1->GetBufferPointer(), p1->GetBufferPointer() + kVoxels, p3->GetBufferPointer()));
  // Where class 2 is the label its probability is the largest, so at least 1/3; elsewhere at most 1/2.
  for (size_t i = 0; i < kVoxels; ++i) {
    const float p = p3->GetBufferPointer()[i];
    ASSERT_TRUE(p >= 0 && p <= 1) << i;
    if (three->GetBufferPointer()[i] == 2) {
      ASSERT_GE(p, 1.0f / 3 - 1e-6f) << i;
    } else {
      ASSERT_LE(p, 0.5f + 1e-6f) << i;
    }
  }
}

// The same seed gives the same forest; the file reads back to the same model, and another seed
// gives another forest.
TEST(VoxelClassifier, SeedFixesTheForestAndTheFileKeepsIt) {
  SKIP_WITHOUT_VIGRA();
  const auto painted = scribbles(0.01, 11);
  const auto a = train({phantom()}, *painted, 4, 4), b = train({phantom()}, *painted, 4, 4);
  const auto c = train({phantom()}, *painted, 5, 4);
  auto sameForest = [](const ml::VoxelClassifier& x, const ml::VoxelClassifier& y) {
    if (x.forest.size() != y.forest.size()) return false;
    for (size_t t = 0; t < x.forest.size(); ++t)
      if (x.forest[t].threshold != y.forest[t].threshold || x.forest[t].feature != y.forest[t].feature ||
          x.forest[t].left != y.forest[t].left || x.forest[t].leafProbabilities != y.forest[t].leafProbabilities)
        return false;
    return true;
  };
  EXPECT_TRUE(sameForest(a, b));
  EXPECT_FALSE(sameForest(a, c));
  test::TempDir dir("voxel-classifier-file");
  ml::writeModel(a, dir / "a.model");
  const auto read = ml::readModel(dir / "a.model");
  EXPECT_TRUE(sameForest(a, read));
  EXPECT_EQ(read.outOfBagError, a.outOfBagError);
  EXPECT_EQ(read.provenance.images, a.provenance.images);
  EXPECT_EQ(read.bank.featureNames(), a.bank.featureNames());
}

// Two channels: a second noisy copy of the anatomy improves on one channel of twice the noise.
TEST(VoxelClassifier, TwoChannelsAndAMask) {
  SKIP_WITHOUT_VIGRA();
  test::TempDir dir("voxel-classifier-two");
  const auto second = noisyImage(8);
  ml::writeModel(train({phantom(), second}, *scribbles(0.01, 12)), dir / "two.model");
  auto mask = LabelImage::New();
  mask->CopyInformation(truth());
  mask->SetRegions(truth()->GetLargestPossibleRegion());
  mask->Allocate();
  for (size_t i = 0; i < kVoxels; ++i) mask->GetBufferPointer()[i] = (i / (kN * kN)) % 2;  // odd slices
  StageInputs in{{"image", {phantom(), nullptr, nullptr}}, {"image2", {second, nullptr, nullptr}}};
  in["mask"] = {nullptr, mask, nullptr};
  const auto labels = apply("classify-voxels", {{"model", (dir / "two.model").string()}}, in).labels;
  size_t agree = 0, inside = 0;
  for (size_t i = 0; i < kVoxels; ++i) {
    if (!mask->GetBufferPointer()[i]) {
      ASSERT_EQ(labels->GetBufferPointer()[i], 0) << i;
      continue;
    }
    ++inside, agree += labels->GetBufferPointer()[i] == truth()->GetBufferPointer()[i];
  }
  EXPECT_GE(double(agree) / double(inside), 0.95);
}

// --- bad input ---------------------------------------------------------------------------------

TEST(VoxelClassifier, WrongChannelCountNamesTheModelAndTheChannels) {
  const std::string& model = test::airBodyModelPath();
  const StageInputs two{{"image", {phantom(), nullptr, nullptr}}, {"image2", {phantom(), nullptr, nullptr}}};
  EXPECT_EQ(errorOf([&] { apply("classify-voxels", {{"model", model}}, two); }),
            model + ": channels: the model was trained on 1 channel (image), the classify-voxels step gives 2 "
                    "(image, image2)");
  EXPECT_EQ(errorOf([&] { apply("voxel-class-probability", {{"model", model}, {"class", 3L}}); }),
            model + ": voxel-class-probability.class: the model has no class 3 (its classes: 1, 2)");
  EXPECT_EQ(errorOf([&] { apply("classify-voxels", {}); }),
            "classify-voxels.model: give the model file (medpipe train-classifier)");
}

TEST(VoxelClassifier, OneClassOrNothingPaintedIsRefused) {
  SKIP_WITHOUT_VIGRA();
  const auto painted = scribbles(0.01, 3, {2});
  const auto* s = painted->GetBufferPointer();
  const auto count = std::count(s, s + kVoxels, 2);
  EXPECT_EQ(errorOf([&] { train({phantom()}, *painted); }),
            "scribbles.nii.gz: labels: only one class is painted (label 2, " + std::to_string(count) +
                " voxels): paint at least two classes, e.g. the background too");
  EXPECT_EQ(errorOf([&] { train({phantom()}, *scribbles(0, 3)); }),
            "scribbles.nii.gz: labels: no voxel is painted (every voxel is 0): paint at least two classes");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(VoxelClassifier, OtherVersionDamagedOrTruncatedModelsAreRefused) {
  test::TempDir dir("voxel-classifier-bad");
  const std::string good = slurp(test::airBodyModelPath());
  auto errorFor = [&](const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    spit(path, text);
    return errorOf([&] { apply("classify-voxels", {{"model", path}}); });
  };
  std::string other = good;
  other.replace(other.find(" 1\n"), 3, " 2\n");
  EXPECT_EQ(errorFor("v2.model", other), (dir / "v2.model").string() +
                                             ": version: model format version 2, this medpipe reads version 1: "
                                             "train the model again with this medpipe");
  std::string damaged = good;
  damaged.replace(damaged.find("s 0 -200"), 8, "s 0 -100");
  EXPECT_EQ(errorFor("damaged.model", damaged),
            (dir / "damaged.model").string() + ": checksum: does not match: the file is damaged or was edited");
  EXPECT_EQ(errorFor("truncated.model", good.substr(0, good.size() / 2)),
            (dir / "truncated.model").string() + ": checksum: missing: the file is truncated");
  EXPECT_EQ(errorFor("nifti.model", "\x5c\x01\x00\x00 not a model"),
            (dir / "nifti.model").string() +
                ": classify-voxels: not a medpipe voxel-classifier model (made by medpipe train-classifier)");
  EXPECT_EQ(errorOf([&] { apply("classify-voxels", {{"model", (dir / "absent.model").string()}}); }),
            (dir / "absent.model").string() + ": classify-voxels: cannot open the model file");
}

// The command end to end: a NIfTI image and scribbles in, a model out that the stage applies;
// one-class scribbles fail with exit code 1 and the message.
TEST(VoxelClassifier, TrainClassifierCommandWritesTheModel) {
  SKIP_WITHOUT_VIGRA();
  test::TempDir dir("train-classifier");
  writeImage(*phantom(), dir / "t1.nii.gz");
  writeLabelImage(*scribbles(0.01, 11), dir / "painted.nii.gz");
  const std::string base = "train-classifier '" + (dir / "t1.nii.gz").string() + "' --labels '";
  const auto r = test::runMedpipe(base + (dir / "painted.nii.gz").string() + "' -o '" + (dir / "t1.model").string() +
                                  "' --trees 8 --scales 1,3 --class-names '1=csf,2=grey matter,3=white matter'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("out-of-bag error"), std::string::npos) << r.err;
  const auto model = ml::readModel(dir / "t1.model");
  EXPECT_EQ(model.classes[1].name, "grey matter");
  EXPECT_EQ(model.bank.scalesMm, (std::vector<double>{1, 3}));
  EXPECT_EQ(model.forest.size(), 8u);
  const auto labels = apply("classify-voxels", {{"model", (dir / "t1.model").string()}}).labels;
  for (std::uint8_t c = 1; c <= 3; ++c) EXPECT_GE(dice(*labels, c), 0.85) << int(c);

  writeLabelImage(*scribbles(0.01, 3, {2}), dir / "one.nii.gz");
  const auto bad = test::runMedpipe(base + (dir / "one.nii.gz").string() + "' -o '" + (dir / "one.model").string() + "'");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find((dir / "one.nii.gz").string() + ": labels: only one class is painted (label 2, "),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "one.model"));

  auto shifted = scribbles(0.01, 11);
  shifted->SetOrigin(ImageF::PointType(std::array<double, 3>{0, 0, 5}.data()));
  writeLabelImage(*shifted, dir / "shifted.nii.gz");
  const auto off = test::runMedpipe(base + (dir / "shifted.nii.gz").string() + "' -o '" + (dir / "off.model").string() + "'");
  EXPECT_EQ(off.exitCode, 1);
  EXPECT_NE(off.err.find((dir / "shifted.nii.gz").string() +
                         ": --labels: the scribbles are not on the image's voxel grid (size, spacing, origin or "
                         "direction differ)"),
            std::string::npos)
      << off.err;
}

}  // namespace
}  // namespace medpipe
