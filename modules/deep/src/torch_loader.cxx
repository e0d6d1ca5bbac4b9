// The host side of the libtorch plugin (torch_plugin.h): loaded once, on the first deep-learning
// call, from the build tree or the install tree; a plugin that cannot be loaded is an Error saying why.
#include <dlfcn.h>

#include <filesystem>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/deep/network.h"
#include "torch_plugin.h"

namespace medpipe::deep {
namespace {

struct LoadedBackend {
  const TorchBackend* backend = nullptr;
  std::string problem;
};

LoadedBackend loadBackend() {
  LoadedBackend loaded;
  for (const char* path : {MEDPIPE_TORCH_PLUGIN_BUILD, MEDPIPE_TORCH_PLUGIN_INSTALL}) {
    if (!std::filesystem::exists(path)) continue;
    void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);  // never closed: its networks may outlive any caller
    if (!handle) {
      const char* why = ::dlerror();
      loaded.problem = std::string("cannot load the libtorch plugin: ") + (why ? why : path);
      return loaded;
    }
    using Entry = const TorchBackend* (*)();
    const auto entry = reinterpret_cast<Entry>(::dlsym(handle, "medpipeTorchBackend"));
    if (!entry) {
      loaded.problem = std::string("the libtorch plugin ") + path + " has no entry point medpipeTorchBackend";
      return loaded;
    }
    loaded.backend = entry();
    return loaded;
  }
  loaded.problem = std::string("the libtorch plugin is missing: neither ") + MEDPIPE_TORCH_PLUGIN_BUILD + " nor " +
                   MEDPIPE_TORCH_PLUGIN_INSTALL + " exists";
  return loaded;
}

const TorchBackend& backend(const std::string& file) {
  static const LoadedBackend loaded = loadBackend();
  if (!loaded.backend) throw Error(file, "", loaded.problem);
  return *loaded.backend;
}

}  // namespace

bool torchAvailable() { return true; }  // built with libtorch; a missing plugin is an error, not a skip

std::unique_ptr<Network> loadNetwork(const ModelCard& card) {
  return backend(card.weightsPath().string()).loadNetwork(card);
}

TrainingReport trainUNet(ModelCard& card, const std::vector<TrainingVolume>& volumes, const TrainingOptions& options,
                         const Progress& progress) {
  return backend("").trainUNet(card, volumes, options, progress);
}

}  // namespace medpipe::deep
