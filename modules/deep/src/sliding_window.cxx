// Sliding windows as MONAI (monai.inferers.sliding_window_inference, dense_patch_slices) and
// nnU-Net v2 (compute_steps_for_sliding_window, compute_gaussian) place and blend them.
#include "medpipe/deep/sliding_window.h"

#include <algorithm>
#include <cfenv>
#include <cmath>

namespace medpipe::deep {

std::vector<size_t> windowStarts(size_t size, size_t patch, const WindowOptions& options) {
  if (size <= patch) return {0};
  std::vector<size_t> starts;
  if (options.mode == WindowMode::Monai) {
    // MONAI: interval int(patch x (1 - overlap)) (at least 1); windows i x interval until one reaches
    // the end, and that last one shifted back inside.
    const size_t interval = std::max<size_t>(1, size_t(double(patch) * (1.0 - options.overlap)));
    for (size_t i = 0;; ++i) {
      const size_t start = i * interval;
      starts.push_back(std::min(start, size - patch));
      if (start + patch >= size) break;
    }
    return starts;
  }
  // nnU-Net: ceil((size - patch) / (0.5 patch)) + 1 windows spread evenly over [0, size - patch],
  // rounded as numpy does (half to even; nearbyint under the default rounding mode).
  const double step = double(patch) * 0.5;
  const size_t count = size_t(std::ceil(double(size - patch) / step)) + 1;
  const double actual = double(size - patch) / double(count - 1);
  for (size_t i = 0; i < count; ++i) starts.push_back(size_t(std::nearbyint(actual * double(i))));
  return starts;
}

std::vector<float> importanceMap(const std::array<int, 3>& patch, Blend blend) {
  const size_t voxels = size_t(patch[0]) * size_t(patch[1]) * size_t(patch[2]);
  if (blend == Blend::Constant) return std::vector<float>(voxels, 1.0f);
  // scipy.ndimage.gaussian_filter / MONAI's GaussianFilter of a unit impulse at patch // 2, both
  // truncated at 4 sigma; their kernel normalisation cancels in the scaling to a maximum of 1.
  std::array<std::vector<double>, 3> axis;
  for (int a = 0; a < 3; ++a) {
    const double sigma = 0.125 * patch[a];
    const int centre = patch[a] / 2;
    const int radius = int(4.0 * sigma + 0.5);
    for (int i = 0; i < patch[a]; ++i) {
      const int d = i - centre;
      axis[a].push_back(std::abs(d) > radius ? 0.0 : std::exp(-0.5 * d * d / (sigma * sigma)));
    }
  }
  std::vector<float> map(voxels);
  size_t i = 0;
  float smallest = 1;
  for (int z = 0; z < patch[2]; ++z)
    for (int y = 0; y < patch[1]; ++y)
      for (int x = 0; x < patch[0]; ++x, ++i) {
        map[i] = float(axis[0][x] * axis[1][y] * axis[2][z]);  // the centre's product is 1
        if (map[i] > 0) smallest = std::min(smallest, map[i]);
      }
  for (float& w : map)
    if (w == 0) w = smallest;
  return map;
}

namespace {

struct Window {
  size_t x, y, z;
};

// Flips a patch (channels x patch, x fastest) along the axes whose bits are set in `axes` (1 x, 2 y, 4 z).
void flip(float* data, size_t channels, const std::array<int, 3>& patch, int axes, std::vector<float>& scratch) {
  const size_t px = size_t(patch[0]), py = size_t(patch[1]), pz = size_t(patch[2]);
  const size_t voxels = px * py * pz;
  scratch.assign(data, data + channels * voxels);
  for (size_t c = 0; c < channels; ++c)
    for (size_t z = 0; z < pz; ++z)
      for (size_t y = 0; y < py; ++y)
        for (size_t x = 0; x < px; ++x) {
          const size_t sx = axes & 1 ? px - 1 - x : x, sy = axes & 2 ? py - 1 - y : y, sz = axes & 4 ? pz - 1 - z : z;
          data[c * voxels + (z * py + y) * px + x] = scratch[c * voxels + (sz * py + sy) * px + sx];
        }
}

}  // namespace

SlidingWindowResult slidingWindow(const float* volume, const Size3& size, const std::array<int, 3>& patch,
                                  size_t channels, const WindowOptions& options, const ForwardPass& forward,
                                  const Progress& progress) {
  const int rounding = std::fegetround();
  std::fesetround(FE_TONEAREST);
  // Axes shorter than the patch are zero-padded, half before and half after (MONAI's and nnU-Net's padding).
  Size3 padded, before;
  for (int a = 0; a < 3; ++a) {
    padded[a] = std::max(size[a], size_t(patch[a]));
    before[a] = (padded[a] - size[a]) / 2;
  }
  const size_t paddedVoxels = padded[0] * padded[1] * padded[2];
  std::vector<float> image;
  const float* source = volume;
  if (padded != size) {
    image.assign(paddedVoxels, 0.0f);
    for (size_t z = 0; z < size[2]; ++z)
      for (size_t y = 0; y < size[1]; ++y)
        std::copy_n(volume + (z * size[1] + y) * size[0], size[0],
                    image.data() + ((z + before[2]) * padded[1] + y + before[1]) * padded[0] + before[0]);
    source = image.data();
  }

  std::vector<Window> windows;
  const auto xs = windowStarts(padded[0], size_t(patch[0]), options);
  const auto ys = windowStarts(padded[1], size_t(patch[1]), options);
  const auto zs = windowStarts(padded[2], size_t(patch[2]), options);
  std::fesetround(rounding);
  for (size_t z : zs)
    for (size_t y : ys)
      for (size_t x : xs) windows.push_back({x, y, z});

  const Blend blend = options.mode == WindowMode::NnUnet ? Blend::Gaussian : options.blend;
  const std::vector<float> weights = importanceMap(patch, blend);
  const size_t px = size_t(patch[0]), py = size_t(patch[1]), pz = size_t(patch[2]);
  const size_t patchVoxels = px * py * pz;
  const size_t batch = std::max<size_t>(1, options.batch);
  std::vector<float> accumulated(channels * paddedVoxels, 0.0f), weightSum(paddedVoxels, 0.0f);
  std::vector<float> input(batch * patchVoxels), logits(batch * channels * patchVoxels), mean, scratch;
  SlidingWindowResult result;
  const std::vector<int> flips = options.mirror ? std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7} : std::vector<int>{0};

  for (size_t first = 0; first < windows.size(); first += batch) {
    progress.report(double(first) / double(windows.size()), "sliding windows");
    const size_t count = std::min(batch, windows.size() - first);
    for (size_t b = 0; b < count; ++b) {
      const Window& w = windows[first + b];
      for (size_t z = 0; z < pz; ++z)
        for (size_t y = 0; y < py; ++y)
          std::copy_n(source + ((w.z + z) * padded[1] + w.y + y) * padded[0] + w.x, px,
                      input.data() + b * patchVoxels + (z * py + y) * px);
    }
    mean.assign(count * channels * patchVoxels, 0.0f);
    for (int axes : flips) {
      progress.throwIfCancelled();
      std::vector<float> flipped(input.begin(), input.begin() + long(count * patchVoxels));
      if (axes)
        for (size_t b = 0; b < count; ++b) flip(flipped.data() + b * patchVoxels, 1, patch, axes, scratch);
      forward(flipped.data(), count, logits.data());
      ++result.forwardCalls;
      result.patches += count;
      for (size_t b = 0; b < count; ++b) {
        float* out = logits.data() + b * channels * patchVoxels;
        if (axes) flip(out, channels, patch, axes, scratch);
        float* sum = mean.data() + b * channels * patchVoxels;
        for (size_t i = 0; i < channels * patchVoxels; ++i) sum[i] += out[i];
      }
    }
    const float share = 1.0f / float(flips.size());
    for (size_t b = 0; b < count; ++b) {
      const Window& w = windows[first + b];
      const float* out = mean.data() + b * channels * patchVoxels;
      for (size_t z = 0; z < pz; ++z)
        for (size_t y = 0; y < py; ++y) {
          const size_t row = ((w.z + z) * padded[1] + w.y + y) * padded[0] + w.x;
          const size_t patchRow = (z * py + y) * px;
          for (size_t x = 0; x < px; ++x) {
            const float weight = weights[patchRow + x];
            weightSum[row + x] += weight;
            for (size_t c = 0; c < channels; ++c)
              accumulated[c * paddedVoxels + row + x] += weight * share * out[c * patchVoxels + patchRow + x];
          }
        }
    }
  }
  progress.report(1.0, "sliding windows");

  // The weighted mean, cropped back to the unpadded volume.
  result.size = size;
  result.channels = channels;
  const size_t voxels = size[0] * size[1] * size[2];
  result.logits.resize(channels * voxels);
  for (size_t z = 0; z < size[2]; ++z)
    for (size_t y = 0; y < size[1]; ++y)
      for (size_t x = 0; x < size[0]; ++x) {
        const size_t from = ((z + before[2]) * padded[1] + y + before[1]) * padded[0] + x + before[0];
        const size_t to = (z * size[1] + y) * size[0] + x;
        for (size_t c = 0; c < channels; ++c)
          result.logits[c * voxels + to] = accumulated[c * paddedVoxels + from] / weightSum[from];
      }
  return result;
}

void softmaxInPlace(std::vector<float>& logits, size_t channels) {
  const size_t voxels = logits.size() / channels;
  for (size_t i = 0; i < voxels; ++i) {
    float top = logits[i];
    for (size_t c = 1; c < channels; ++c) top = std::max(top, logits[c * voxels + i]);
    double sum = 0;
    for (size_t c = 0; c < channels; ++c) sum += std::exp(double(logits[c * voxels + i] - top));
    for (size_t c = 0; c < channels; ++c)
      logits[c * voxels + i] = float(std::exp(double(logits[c * voxels + i] - top)) / sum);
  }
}

void sigmoidInPlace(std::vector<float>& logits) {
  for (float& v : logits) v = float(1.0 / (1.0 + std::exp(-double(v))));
}

}  // namespace medpipe::deep
