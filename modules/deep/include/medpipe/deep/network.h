#pragma once
// The network behind a model card, and training one. The implementation is the only part of
// medpipe that includes libtorch (src/torch_*.cxx); built without it, every call throws
// medpipe::Error saying so (kWithoutTorch).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/deep/model_card.h"
#include "medpipe/deep/sliding_window.h"

namespace medpipe::deep {

// The reason of the error every deep-learning entry point throws in a build without libtorch.
inline constexpr const char* kWithoutTorch =
    "medpipe was built without libtorch (MEDPIPE_WITH_TORCH=OFF): deep-learning stages are not available";

bool torchAvailable();

// libtorch is a plugin loaded on first use (0.4 s CPU, seconds on a loaded machine, uninterruptible):
// startLoadingTorch() begins loading it in the background and returns at once (stages call it when
// their config is checked); waitForTorch() waits for it, checking `progress` for a cancel every 50 ms.
// A plugin that cannot be loaded is reported by loadNetwork and trainUNet. No-ops without libtorch.
void startLoadingTorch();
void waitForTorch(const Progress& progress);
// Waits for a load in progress; returns at once when none was started. Call it before the process
// exits: exit runs the destructors of libtorch's statics while the loader thread may still be
// running its constructors, and the constructors then fail (std::terminate).
void finishLoadingTorch();

class Network {
 public:
  virtual ~Network() = default;
  const ModelCard& card() const { return card_; }
  // patches: count x inChannels x Z x Y x X (the card's patch); logits: count x outputChannels x patch.
  // Patches one at a time, up to `threads` at once, each on one libtorch thread: the logits of a
  // patch do not depend on the thread count or on the other patches of the call.
  virtual void forward(const float* patches, size_t count, float* logits, unsigned threads) const = 0;

 protected:
  explicit Network(ModelCard card) : card_(std::move(card)) {}
  ModelCard card_;
};

// Loads the card's weights (checking their sha256 when the card gives it): medpipe's unet3d or a
// TorchScript file through torch::jit::load. A file with operators or a format this libtorch lacks
// (saved by a newer PyTorch) is refused with a medpipe::Error saying so.
std::unique_ptr<Network> loadNetwork(const ModelCard& card);

// One training pair: a normalised image and its label map (values 0 .. classes-1), same grid.
struct TrainingVolume {
  Size3 size{};
  std::vector<float> image;
  std::vector<std::uint8_t> labels;
  std::string name;  // for messages
};

struct TrainingOptions {
  int epochs = 40;
  int iterationsPerEpoch = 16;
  int batch = 2;
  std::vector<int> channels{8, 16, 32};
  double learningRate = 3e-3;
  std::uint64_t seed = 1;
  double validationFraction = 0.25;  // of the volumes, at least one when there are two or more
  int patience = 8;                  // epochs without a better validation Dice before stopping
  unsigned threads = 1;              // one thread: the same weights for the same seed
};

struct TrainingReport {
  int epochsRun = 0;
  int bestEpoch = 0;
  double validationDice = 0;  // mean Dice over the labels on the validation volumes, at bestEpoch
  bool stoppedEarly = false;
};

// Trains `card` (architecture unet3d; labels, spacing and normalisation already filled in) on
// `volumes` and writes the best weights to card.weightsPath(), filling in weightsSha256 and training.
// Reports each epoch to `progress` ("epoch N: loss L, validation Dice D").
TrainingReport trainUNet(ModelCard& card, const std::vector<TrainingVolume>& volumes, const TrainingOptions& options,
                         const Progress& progress);

}  // namespace medpipe::deep
