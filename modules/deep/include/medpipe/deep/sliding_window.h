#pragma once
// Sliding-window inference over a volume larger (or smaller) than the network's patch, as MONAI's
// sliding_window_inference and nnU-Net's predictor do it. Torch-free: the network is a callback, so
// the windowing, blending and mirroring are tested without libtorch.
#include <array>
#include <cstddef>
#include <functional>
#include <vector>

#include "medpipe/core/progress.h"

namespace medpipe::deep {

using Size3 = std::array<size_t, 3>;  // x, y, z; x varies fastest in every voxel array here

enum class WindowMode {
  Monai,   // interval floor(patch x (1 - overlap)), last window shifted back inside
  NnUnet,  // step 0.5 of the patch, windows spread evenly from the first to the last position
};
enum class Blend { Constant, Gaussian };

struct WindowOptions {
  WindowMode mode = WindowMode::Monai;
  double overlap = 0.25;        // Monai only; nnU-Net's step is 0.5 of the patch
  Blend blend = Blend::Gaussian;  // Monai only; nnU-Net always blends with its Gaussian
  bool mirror = false;          // average over the 8 combinations of axis flips (nnU-Net's test-time mirroring)
  size_t batch = 1;             // patches per forward call: with the accumulators, bounds the memory
};

// Where windows start along one axis of `size` voxels (size >= patch; smaller images are padded).
std::vector<size_t> windowStarts(size_t size, size_t patch, const WindowOptions& options);

// The weight of each voxel of a patch when blending (x fastest): all ones (Constant) or a Gaussian
// centred on voxel patch/2 with sigma = 0.125 x patch per axis (MONAI's sigma_scale 0.125, nnU-Net's
// patch/8), scaled to a maximum of 1, with zeros raised to the smallest non-zero weight (as both do).
std::vector<float> importanceMap(const std::array<int, 3>& patch, Blend blend);

// The network: `count` patches of inChannels x patch voxels in, `count` x channels x patch logits out.
using ForwardPass = std::function<void(const float* patches, size_t count, float* logits)>;

struct SlidingWindowResult {
  Size3 size{};                // as the input volume
  size_t channels = 0;
  std::vector<float> logits;   // channels x voxels, the weighted mean of every window covering a voxel
  size_t forwardCalls = 0;     // calls of ForwardPass (each up to options.batch patches)
  size_t patches = 0;          // patches passed through the network, mirrored ones included
};

// Runs `forward` over windows of `patch` covering `volume` (one channel, `size`), zero-padding axes
// shorter than the patch (half before, half after, as MONAI), and blends the logits. Checks
// `progress` between batches. The result does not depend on the batch size.
SlidingWindowResult slidingWindow(const float* volume, const Size3& size, const std::array<int, 3>& patch,
                                  size_t channels, const WindowOptions& options, const ForwardPass& forward,
                                  const Progress& progress);

// Softmax over channels of channel-major logits, in place.
void softmaxInPlace(std::vector<float>& logits, size_t channels);
// Sigmoid of every value, in place.
void sigmoidInPlace(std::vector<float>& logits);

}  // namespace medpipe::deep
