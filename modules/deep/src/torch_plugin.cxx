// The plugin's entry point: the torch implementations of loadNetwork and trainUNet
// (torch_network.cxx, torch_training.cxx), for torch_loader.cxx in the host.
#include "torch_plugin.h"

extern "C" const medpipe::deep::TorchBackend* medpipeTorchBackend() {
  static const medpipe::deep::TorchBackend backend{&medpipe::deep::loadNetwork, &medpipe::deep::trainUNet};
  return &backend;
}
