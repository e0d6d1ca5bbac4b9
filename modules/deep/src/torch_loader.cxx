// The host side of the libtorch plugin (torch_plugin.h): loaded once, on the first deep-learning
// call, from the build tree or the install tree; a plugin that cannot be loaded is an Error saying why.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

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

std::atomic<bool> started{false};

// Loaded once, on a thread of its own, so that a waiting stage can still be cancelled. The thread is
// detached: a cancelled stage need not wait for it; the process does before it exits
// (finishLoadingTorch).
const std::shared_future<LoadedBackend>& loading() {
  static const std::shared_future<LoadedBackend> loaded = [] {
    started = true;
    std::promise<LoadedBackend> promise;
    auto future = promise.get_future().share();
    std::thread([promise = std::move(promise)]() mutable { promise.set_value(loadBackend()); }).detach();
    return future;
  }();
  return loaded;
}

const TorchBackend& backend(const std::string& file) {
  const LoadedBackend& loaded = loading().get();
  if (!loaded.backend) throw Error(file, "", loaded.problem);
  return *loaded.backend;
}

}  // namespace

bool torchAvailable() { return true; }  // built with libtorch; a missing plugin is an error, not a skip

void startLoadingTorch() { loading(); }

void finishLoadingTorch() {
  if (started) loading().wait();
}

void waitForTorch(const Progress& progress) {
  while (loading().wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) progress.throwIfCancelled();
}

std::unique_ptr<Network> loadNetwork(const ModelCard& card) {
  return backend(card.weightsPath().string()).loadNetwork(card);
}

TrainingReport trainUNet(ModelCard& card, const std::vector<TrainingVolume>& volumes, const TrainingOptions& options,
                         const Progress& progress) {
  return backend("").trainUNet(card, volumes, options, progress);
}

}  // namespace medpipe::deep
