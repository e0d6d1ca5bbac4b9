// medpipe train-unet on generated phantoms: the model reaches Dice >= 0.9 on phantoms it never saw,
// training is the same for the same seed, and the model runs as a pipeline stage from a DICOM
// series to a DICOM SEG in the series' frame of reference. Also the shipped model, DICOM to SEG.
#include <gtest/gtest.h>

#include <fstream>

#include "deep_test_support.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/segmentation.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

// Six phantoms as image/label NIfTI pairs, as scripts/train-phantom-unet.sh writes them.
void writeTrainingPairs(const fs::path& root) {
  fs::create_directories(root / "images");
  fs::create_directories(root / "labels");
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    const Phantom p = makeBodyPhantom(test::modelPhantom(seed));
    const std::string name = "phantom" + std::to_string(seed) + ".nii.gz";
    writeImage(*p.image, root / "images" / name);
    writeLabelImage(*p.labels, root / "labels" / name);
  }
}

std::string trainCommand(const fs::path& root, const fs::path& model, const std::string& options) {
  return "train-unet --images " + (root / "images").string() + " --labels " + (root / "labels").string() + " -o " +
         model.string() + " " + options;
}

// The shipped recipe (the card's training.command), with the phantoms written here.
const char* kRecipe = "--epochs 30 --iterations 12 --patch 32x32x8 --channels 4,8,16 --learning-rate 0.01 --seed 1 --threads 1 "
                      "--label-names 'soft tissue,lung,bone'";

// A DICOM series of a phantom through `medpipe run` to a SEG, read back onto the series' grid.
void expectSegFromDicom(const fs::path& model, const fs::path& work) {
  const Phantom truth = test::writePhantomSeries(test::modelPhantom(103, {-3.2, 3.2, 0}), work / "dicom");
  std::ofstream(work / "config.yaml") << "steps:\n  segmented:\n    stage: unet-segment\n    input: input\n    model: "
                                      << model.string() << "\noutputs:\n  - {step: segmented, file: seg.dcm, format: dicom}\n";
  const auto run = test::runMedpipe("run " + (work / "config.yaml").string() + " -i " + (work / "dicom").string() + " -o " +
                                    (work / "out").string() + " --no-report -q");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  fs::path seg;
  for (const auto& entry : fs::recursive_directory_iterator(work / "out"))
    if (entry.path().filename() == "seg.dcm") seg = entry.path();
  ASSERT_FALSE(seg.empty()) << "no seg.dcm below " << (work / "out");
  const Segmentation read = readSegmentation(seg, *truth.labels);  // the series' grid: frames must lie on its slices
  ASSERT_EQ(read.segments.size(), 3u);
  for (const int label : {1, 2, 3}) {
    const double d = test::dice(*read.labels, *truth.labels, label);
    std::printf("[ note ] SEG from DICOM: Dice of label %d: %.4f\n", label, d);
    EXPECT_GE(d, 0.9) << "label " << label;
  }
}

TEST(TrainUnet, ReachesDiceAbove09OnFreshPhantomsAndRunsFromDicomToSeg) {
  MEDPIPE_REQUIRE_TORCH();
  test::TempDir dir("train-unet");
  writeTrainingPairs(dir.path());
  const auto train = test::runMedpipe(trainCommand(dir.path(), dir / "model", kRecipe));
  ASSERT_EQ(train.exitCode, 0) << train.err;
  EXPECT_NE(train.out.find("trained "), std::string::npos) << train.out;
  EXPECT_NE(train.err.find("train-unet: epoch 1: loss "), std::string::npos) << train.err;
  const deep::ModelCard card = deep::readModelCard(dir / "model");
  EXPECT_EQ(card.labels.size(), 3u);
  EXPECT_EQ(card.labels[1].name, "lung");
  EXPECT_EQ(card.spacing, (std::array<double, 3>{3.2, 3.2, 10}));
  EXPECT_EQ(card.weightsSha256.size(), 64u);
  EXPECT_LT(fs::file_size(dir / "model" / "weights.pt"), 200u * 1024) << "a small model: kilobytes";

  for (const std::uint32_t seed : {201u, 202u}) {
    const Phantom fresh = makeBodyPhantom(test::modelPhantom(seed, {seed == 201 ? 6.4 : -6.4, 3.2, 0}));
    const StageData out = runStage(findStage("unet-segment"), {{"image", {fresh.image, nullptr, nullptr}}},
                                   {{"model", (dir / "model").string()}});
    for (const int label : {1, 2, 3}) {
      const double d = test::dice(*out.labels, *fresh.labels, label);
      std::printf("[ note ] fresh phantom %u: Dice of label %d: %.4f\n", seed, label, d);
      EXPECT_GE(d, 0.9) << "seed " << seed << " label " << label;
    }
  }
  expectSegFromDicom(dir / "model", dir / "dicom-run");
}

TEST(TrainUnet, TheSameSeedOnOneThreadGivesTheSameWeights) {
  MEDPIPE_REQUIRE_TORCH();
  test::TempDir dir("train-unet-seed");
  writeTrainingPairs(dir.path());
  const std::string options = "--epochs 2 --iterations 3 --patch 32x32x8 --channels 4,8,16 --threads 1 --seed ";
  std::vector<std::string> sha;
  for (const auto& [name, seed] : std::vector<std::pair<std::string, int>>{{"a", 7}, {"b", 7}, {"c", 8}}) {
    const auto r = test::runMedpipe(trainCommand(dir.path(), dir / name, options + std::to_string(seed)));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    sha.push_back(deep::readModelCard(dir / name).weightsSha256);
  }
  EXPECT_EQ(sha[0], sha[1]);
  EXPECT_NE(sha[0], sha[2]);
}

TEST(TrainUnet, BadPairsAreRefusedNamingTheFile) {
  MEDPIPE_REQUIRE_TORCH();
  test::TempDir dir("train-unet-bad");
  fs::create_directories(dir / "images");
  fs::create_directories(dir / "labels");
  writeImage(*makeBodyPhantom(test::modelPhantom(1)).image, dir / "images" / "a.nii.gz");
  const auto missing = test::runMedpipe(trainCommand(dir.path(), dir / "model", ""));
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err, "medpipe train-unet: error: " + (dir / "labels" / "a.nii.gz").string() +
                             ": --labels: no label map for a.nii.gz\n");
  const auto patch = test::runMedpipe(trainCommand(dir.path(), dir / "model", "--patch 30"));
  EXPECT_EQ(patch.err, "medpipe train-unet: error: --patch: sizes must be multiples of 4 (the U-Net's levels)\n");
}

TEST(UnetShippedModel, RunsFromADicomSeriesToASegInTheSeriesFrameOfReference) {
  MEDPIPE_REQUIRE_TORCH();
  test::TempDir dir("unet-shipped-seg");
  expectSegFromDicom(test::shippedModel(), dir.path());
}

}  // namespace
}  // namespace medpipe
