// Model cards: a card round-trips through its JSON, and each kind of mistake is reported naming the
// card and the field. Normalisations against their formulas (numpy's percentile for nnU-Net's clip).
#include <gtest/gtest.h>

#include <fstream>

#include "medpipe/core/error.h"
#include "medpipe/deep/model_card.h"
#include "medpipe/deep/normalisation.h"
#include "stage_test_support.h"
#include "test_support.h"

namespace medpipe::deep {
namespace {
namespace fs = std::filesystem;

const char* kCard = R"({
  "name": "phantom",
  "architecture": {"type": "unet3d", "in-channels": 1, "channels": [4, 8, 16]},
  "weights": {"file": "weights.pt", "sha256": "ab"},
  "input": {"patch": [32, 32, 8], "spacing": [3.2, 3.2, 10], "orientation": "LPS",
            "normalisation": {"kind": "ct-window", "lower": -1000, "upper": 1000}},
  "output": {"activation": "softmax", "labels": [{"value": 2, "name": "lung", "color": [0, 0, 255]}]},
  "training": {"data": "6 phantoms", "seed": 3, "epochs": 9}
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string errorFor(const test::TempDir& dir, const std::string& json) {
  std::ofstream(dir / "model.json") << json;
  return test::errorOf([&] { readModelCard(dir.path()); });
}

TEST(ModelCard, ReadsEveryFieldAndRoundTripsThroughItsJson) {
  test::TempDir dir("card");
  std::ofstream(dir / "model.json") << kCard;
  const ModelCard card = readModelCard(dir.path());
  EXPECT_EQ(card.name, "phantom");
  EXPECT_EQ(card.channels, (std::vector<int>{4, 8, 16}));
  EXPECT_EQ(card.patch, (std::array<int, 3>{32, 32, 8}));
  EXPECT_EQ(card.spacing[2], 10.0);
  EXPECT_EQ(card.normalisation.kind, Normalisation::Kind::CtWindow);
  ASSERT_EQ(card.labels.size(), 1u);
  EXPECT_EQ(card.labels[0].value, 2);
  EXPECT_EQ(card.labels[0].rgb[2], 255);
  EXPECT_EQ(card.outputChannels(), 2);
  EXPECT_EQ(card.weightsPath(), dir / "weights.pt");
  EXPECT_EQ(card.training.seed, 3u);

  test::TempDir again("card-again");
  std::ofstream(again / "model.json") << modelCardJson(card);
  const ModelCard read = readModelCard(again / "model.json");
  EXPECT_EQ(modelCardJson(read), modelCardJson(card));
  EXPECT_EQ(read.weightsSha256, "ab");
}

TEST(ModelCard, ATorchScriptFileTakesTheCardBesideIt) {
  test::TempDir dir("card-pt");
  std::ofstream(dir / "net.pt") << "x";
  std::ofstream(dir / "net.json") << replaced(replaced(kCard, R"("unet3d")", R"("torchscript")"),
                                              R"("weights": {"file": "weights.pt", "sha256": "ab"},)", "");
  const ModelCard card = readModelCard(dir / "net.pt");
  EXPECT_EQ(card.architecture, "torchscript");
  EXPECT_EQ(card.weightsPath(), dir / "net.pt");
}

TEST(ModelCard, EachMistakeNamesTheCardAndTheField) {
  test::TempDir dir("card-bad");
  const std::string card = (dir / "model.json").string();
  EXPECT_EQ(errorFor(dir, "{"), card + ": not valid JSON: * Line 1, Column 2");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("name": "phantom",)", "")), card + ": name: missing");
  EXPECT_EQ(errorFor(dir, replaced(kCard, "[32, 32, 8]", "[32, 30, 8]")),
            card + ": input.patch: sizes must be multiples of 4 (the U-Net's levels)");
  EXPECT_EQ(errorFor(dir, replaced(kCard, "[3.2, 3.2, 10]", "[3.2, 0, 10]")), card + ": input.spacing: spacings must be above 0 mm");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("LPS")", R"("RAS")")),
            card + ": input.orientation: 'RAS' is not supported (LPS: the array axes run to the patient's left, posterior, head)");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("ct-window")", R"("minmax")")),
            card + ": input.normalisation.kind: 'minmax' is not one of none, ct-window, zscore");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("upper": 1000)", R"("upper": -2000)")),
            card + ": input.normalisation.upper: must be above lower");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("value": 2)", R"("value": 300)")),
            card + ": output.labels[0].value: must be in 1 .. 255");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("softmax")", R"("relu")")),
            card + ": output.activation: 'relu' is not one of softmax, sigmoid");
  EXPECT_EQ(errorFor(dir, replaced(kCard, R"("channels": [4, 8, 16])", R"("channels": [4])")),
            card + ": architecture.channels: must list 2 .. 6 levels");
  EXPECT_EQ(test::errorOf([&] { readModelCard(dir / "absent"); }), (dir / "absent").string() + ": model: no such model folder or file");
  test::TempDir empty("card-none");
  EXPECT_EQ(test::errorOf([&] { readModelCard(empty.path()); }),
            (empty / "model.json").string() + ": no model card (a model is its weights and this JSON card beside them)");
}

TEST(Normalisation, CtWindowScalesTheClampedWindowToZeroOne) {
  Normalisation n;
  n.kind = Normalisation::Kind::CtWindow;
  n.lower = -1000, n.upper = 1000;
  std::vector<float> v{-3000, -1000, 0, 500, 1000, 3000};
  normalise(v, n);
  EXPECT_EQ(v, (std::vector<float>{0, 0, 0.5f, 0.75f, 1, 1}));
}

TEST(Normalisation, ZScoreClipsToPercentilesAsNumpyThenStandardises) {
  Normalisation n;
  n.kind = Normalisation::Kind::ZScore;
  n.percentiles = {10, 90};
  // numpy.percentile([0..9, 1000], [10, 90]) = [1.0, 9.0] (linear between order statistics).
  std::vector<float> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000};
  normalise(v, n);
  std::vector<double> clipped{1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9};
  double mean = 0, sq = 0;
  for (double x : clipped) mean += x / 11;
  for (double x : clipped) sq += (x - mean) * (x - mean) / 11;
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], (clipped[i] - mean) / std::sqrt(sq), 1e-5) << i;

  // nnU-Net's CT scheme: the training data's clip, mean and deviation.
  n.clip = true, n.clipLow = -100, n.clipHigh = 300, n.fixedStatistics = true, n.mean = 50, n.std = 25;
  std::vector<float> w{-1000, 0, 300, 2000};
  normalise(w, n);
  EXPECT_EQ(w, (std::vector<float>{-6, -2, 10, 10}));
}

}  // namespace
}  // namespace medpipe::deep
