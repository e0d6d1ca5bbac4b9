// Loading a model card's network (medpipe's U-Net or foreign TorchScript) and its forward pass.
// One of the two files of medpipe that include libtorch.
#include <torch/script.h>

#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"
#include "medpipe/deep/network.h"
#include "sha256.h"
#include "unet3d.h"

namespace medpipe::deep {
namespace {

// libtorch's messages start with a newline at times and go on with a stack or a source excerpt.
std::string firstLine(const std::string& text) {
  const size_t start = text.find_first_not_of("\n ");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

// Patches go through the network one at a time, `threads` of them at once on medpipe's threads, each
// forward pass on one libtorch thread: no OpenMP barriers inside a pass (on a loaded machine those
// made one pass of a small network take seconds, past any cancel), and every patch is computed the
// same way whatever the thread count and batch, so the output is too.
void forEachPatch(const ModelCard& card, const float* patches, size_t count, float* logits, unsigned threads,
                  const std::function<void(const float* patch, float* out)>& one) {
  if (at::get_num_threads() != 1) at::set_num_threads(1);  // rebuilds libtorch's pool: only once
  const size_t in = size_t(card.inChannels) * size_t(card.patch[0]) * size_t(card.patch[1]) * size_t(card.patch[2]);
  const size_t out = in / size_t(card.inChannels) * size_t(card.outputChannels());
  forEachPart(count, std::max(1u, threads), [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) one(patches + i * in, logits + i * out);
  });
}

// The sizes the network must accept and return, for messages and checks.
std::vector<int64_t> patchShape(const ModelCard& card, size_t count, int channels) {
  return {int64_t(count), channels, card.patch[2], card.patch[1], card.patch[0]};
}

void copyOut(const torch::Tensor& output, const ModelCard& card, size_t count, float* logits) {
  const auto expected = patchShape(card, count, card.outputChannels());
  if (output.sizes() != c10::IntArrayRef(expected)) {
    std::ostringstream got;
    got << output.sizes();
    throw Error(card.weightsPath().string(), "output",
                "the network returned " + got.str() + ", the card implies " + std::to_string(card.outputChannels()) +
                    " channels over the patch");
  }
  const torch::Tensor flat = output.to(torch::kFloat).contiguous();
  std::memcpy(logits, flat.data_ptr<float>(), size_t(flat.numel()) * sizeof(float));
}

class UNetNetwork : public Network {
 public:
  explicit UNetNetwork(ModelCard card)
      : Network(std::move(card)), model_(card_.inChannels, card_.outputChannels(), card_.channels) {
    try {
      torch::load(model_, card_.weightsPath().string());
    } catch (const c10::Error& e) {
      throw Error(card_.weightsPath().string(), "weights",
                  "not the weights of the card's unet3d (channels " + std::to_string(card_.channels.size()) +
                      " levels): " + firstLine(e.what()));
    }
    model_->eval();
  }
  void forward(const float* patches, size_t count, float* logits, unsigned threads) const override {
    forEachPatch(card_, patches, count, logits, threads, [&](const float* patch, float* out) {
      torch::NoGradGuard noGrad;
      const auto input = torch::from_blob(const_cast<float*>(patch), patchShape(card_, 1, card_.inChannels));
      copyOut(model_->forward(input), card_, 1, out);
    });
  }

 private:
  mutable UNet3d model_;
};

class ScriptNetwork : public Network {
 public:
  explicit ScriptNetwork(ModelCard card) : Network(std::move(card)) {
    try {
      module_ = torch::jit::load(card_.weightsPath().string());
    } catch (const std::exception& e) {  // c10::Error, or torch::jit::ErrorReport for unknown operators
      const std::string what = e.what();
      // What libtorch 1.13 says about a file from a newer PyTorch: an operator or type it does not
      // know, or a newer file format version.
      const bool newer = what.find("Unknown builtin op") != std::string::npos ||
                         what.find("Unknown type") != std::string::npos ||
                         what.find("maximum supported version") != std::string::npos;
      throw Error(card_.weightsPath().string(), "weights",
                  newer ? "uses operators or a file format that this libtorch (" TORCH_VERSION
                          ") lacks; it was probably saved by a newer PyTorch (save it with PyTorch <= 1.13): " +
                              firstLine(what)
                        : "not a TorchScript file libtorch can load: " + firstLine(what));
    }
    module_.eval();
  }
  void forward(const float* patches, size_t count, float* logits, unsigned threads) const override {
    forEachPatch(card_, patches, count, logits, threads, [&](const float* patch, float* out) {
      torch::NoGradGuard noGrad;
      const auto input = torch::from_blob(const_cast<float*>(patch), patchShape(card_, 1, card_.inChannels));
      torch::jit::IValue output;
      try {
        output = module_.forward({input});
      } catch (const std::exception& e) {
        throw Error(card_.weightsPath().string(), "forward", "the TorchScript module failed on a patch: " + firstLine(e.what()));
      }
      if (!output.isTensor())
        throw Error(card_.weightsPath().string(), "output", "the TorchScript module must return one tensor of logits");
      copyOut(output.toTensor(), card_, 1, out);
    });
  }

 private:
  mutable torch::jit::Module module_;
};

}  // namespace

std::unique_ptr<Network> loadNetwork(const ModelCard& card) {
  const auto path = card.weightsPath();
  if (!std::filesystem::exists(path)) throw Error(path.string(), "weights", "the card's weights file is missing");
  if (!card.weightsSha256.empty()) {
    const std::string actual = sha256OfFile(path);
    if (actual != card.weightsSha256)
      throw Error(path.string(), "weights.sha256", "the file's sha256 is " + actual + ", the card says " + card.weightsSha256);
  }
  if (card.architecture == "torchscript") return std::make_unique<ScriptNetwork>(card);
  return std::make_unique<UNetNetwork>(card);
}

}  // namespace medpipe::deep
