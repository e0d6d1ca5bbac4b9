#pragma once
// A model is a weights file plus this card (model.json beside it): what the network is, what input
// it expects (patch, spacing, orientation, intensity normalisation), what its outputs mean (labels
// with names and colours) and how it was trained. docs/deep-learning.md describes every field.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace medpipe::deep {

// How intensities are mapped before the network sees them.
struct Normalisation {
  enum class Kind { None, CtWindow, ZScore } kind = Kind::None;
  // CtWindow: clamp to [lower, upper], then scale to [0, 1].
  double lower = -1000, upper = 1000;
  // ZScore (nnU-Net): clip to [clipLow, clipHigh] (the training data's 0.5 / 99.5 percentiles, when
  // `clip` is set; else the image's own `percentiles`), then subtract `mean` and divide by `std`
  // (the training data's when `fixedStatistics`; else the clipped image's own, as nnU-Net does for MR).
  bool clip = false;
  double clipLow = 0, clipHigh = 0;
  std::array<double, 2> percentiles{0.5, 99.5};
  bool fixedStatistics = false;
  double mean = 0, std = 1;
};

struct LabelInfo {
  int value = 1;  // the value in the label map (1..255)
  std::string name;
  std::array<std::uint8_t, 3> rgb{255, 0, 0};
};

struct ModelCard {
  std::filesystem::path folder;  // where the card was read from: `weights` is relative to it
  std::string name;
  // "unet3d": medpipe's U-Net (weights from train-unet); "torchscript": any TorchScript module
  // taking N x inChannels x Z x Y x X and returning N x outputChannels x Z x Y x X logits.
  std::string architecture = "unet3d";
  std::string weights = "weights.pt";
  std::string weightsSha256;     // checked before loading when given
  int inChannels = 1;
  std::vector<int> channels;     // unet3d: features per level, e.g. {8, 16, 32}
  std::array<int, 3> patch{32, 32, 32};       // x, y, z voxels
  std::array<double, 3> spacing{1, 1, 1};     // mm, x, y, z
  std::string orientation = "LPS";            // the array axes follow the patient's L, P, S
  Normalisation normalisation;
  // "softmax": outputChannels = labels + 1 (background first), argmax; "sigmoid": one channel per
  // label, a voxel takes the most probable label above `threshold`.
  std::string activation = "softmax";
  double threshold = 0.5;
  std::vector<LabelInfo> labels;
  struct Training {
    std::string data;        // what it was trained on, in words
    std::uint64_t seed = 0;
    int epochs = 0;
    int patch = 0;
    double validationDice = 0;
    std::string command;     // how to reproduce it
  } training;

  int outputChannels() const { return activation == "sigmoid" ? int(labels.size()) : int(labels.size()) + 1; }
  std::filesystem::path weightsPath() const { return folder / weights; }
};

// Reads a card: `path` is a model folder (its model.json), a card file, or a TorchScript file
// (file.pt with file.json beside it). Throws medpipe::Error naming the card and the field.
ModelCard readModelCard(const std::filesystem::path& path);

// The card as JSON text (two-space indent, fields in a fixed order), as written beside trained weights.
std::string modelCardJson(const ModelCard& card);

}  // namespace medpipe::deep
