// A build without libtorch (MEDPIPE_WITH_TORCH=OFF): the deep-learning entry points say so.
#include "medpipe/core/error.h"
#include "medpipe/deep/network.h"

namespace medpipe::deep {

bool torchAvailable() { return false; }
void startLoadingTorch() {}
void waitForTorch(const Progress&) {}
void finishLoadingTorch() {}

std::unique_ptr<Network> loadNetwork(const ModelCard& card) {
  throw Error(card.weightsPath().string(), "", kWithoutTorch);
}

TrainingReport trainUNet(ModelCard&, const std::vector<TrainingVolume>&, const TrainingOptions&, const Progress&) {
  throw Error("", "", kWithoutTorch);
}

}  // namespace medpipe::deep
