#pragma once
// libtorch lives in a plugin, medpipe_deep_torch.so, loaded by torch_loader.cxx on the first
// deep-learning call: linked into medpipe it cost every command ~0.4 s CPU and 160 MB at start
// (286 shared libraries) before it had read a file. The plugin exports this one C symbol.
#include <memory>
#include <vector>

#include "medpipe/deep/network.h"

namespace medpipe::deep {

struct TorchBackend {
  std::unique_ptr<Network> (*loadNetwork)(const ModelCard& card);
  TrainingReport (*trainUNet)(ModelCard& card, const std::vector<TrainingVolume>& volumes, const TrainingOptions& options,
                              const Progress& progress);
};

}  // namespace medpipe::deep

extern "C" const medpipe::deep::TorchBackend* medpipeTorchBackend();
