// Non-local means and the noise estimate: see fast_denoise.h. Compiled with -ffast-math so the
// sums are vectorised; images with NaN voxels are outside what it handles.
#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "fast_denoise.h"
#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"

namespace medpipe {
namespace {

constexpr long kTileRows = 32;  // output rows and slices per task: its buffers stay in the core's cache
constexpr long kSlabSlices = 16;

struct Volume {
  long nx, ny, nz;
  const float* data;
  const float* row(long y, long z) const {
    return data + (std::clamp(z, 0L, nz - 1) * ny + std::clamp(y, 0L, ny - 1)) * nx;
  }
};

// box[x] = sum of d[clamp(x + i)] for i in [-radius, radius], x in [0, n).
inline void boxRow(const float* d, long radius, long n, float* box) {
  std::fill(box, box + n, 0.f);
  for (long i = -radius; i <= radius; ++i) {
    const long lo = std::clamp(-i, 0L, n), hi = std::clamp(n - i, lo, n);
    for (long x = 0; x < lo; ++x) box[x] += d[0];
    for (long x = lo; x < hi; ++x) box[x] += d[x + i];
    for (long x = hi; x < n; ++x) box[x] += d[n - 1];
  }
}

}  // namespace

double estimateNoiseSigma(const ImageF& image) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  const long nx = long(size[0]), ny = long(size[1]), nz = long(size[2]);
  const float* v = image.GetBufferPointer();
  std::vector<float> residuals;
  // Every 3rd voxel of every 3rd row: plenty for a median, a fraction of the cost.
  for (long z = 0; z < nz; z += std::max(1L, nz / 64))
    for (long y = 1; y + 1 < ny; y += 3)
      for (long x = 1; x + 1 < nx; x += 3) {
        const float* c = v + (z * ny + y) * nx + x;
        // c - mean of its 4 in-plane neighbours has variance s2 (1 + 1/4) for white noise.
        residuals.push_back(std::abs((c[0] - 0.25f * (c[-1] + c[1] + c[-nx] + c[nx])) / std::sqrt(1.25f)));
      }
  if (residuals.empty()) return 0;
  auto middle = residuals.begin() + long(residuals.size() / 2);
  std::nth_element(residuals.begin(), middle, residuals.end());
  return 1.4826 * double(*middle);
}

ImageF::Pointer nonLocalMeans(const ImageF& input, const NonLocalMeansSettings& s, const Progress& progress,
                              const std::string& stage) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  const Volume in{long(size[0]), long(size[1]), long(size[2]), input.GetBufferPointer()};
  const long nx = in.nx, ny = in.ny, nz = in.nz;
  const long px = s.patch[0], py = s.patch[1], pz = s.patch[2];
  const double sigma = estimateNoiseSigma(input);
  const float invPatch = 1.f / float((2 * px + 1) * (2 * py + 1) * (2 * pz + 1));
  const float offset = float(2 * sigma * sigma);  // the expected d2 of two patches of pure noise
  // Noise-free input: weight only identical patches (d2 = 0), so the image comes out unchanged.
  const float scale = sigma > 0 ? float(-1.0 / (16 * s.strength * s.strength * sigma * sigma)) : -1e30f;

  auto output = ImageF::New();
  output->CopyInformation(&input);
  output->SetRegions(input.GetLargestPossibleRegion());
  allocateLarge(*output);
  float* out = output->GetBufferPointer();
  const long tiles = (ny + kTileRows - 1) / kTileRows, slabs = (nz + kSlabSlices - 1) / kSlabSlices;

  parallelWithProgress(
      size_t(slabs * tiles),
      [&](size_t item) {
        const long z0 = (long(item) / tiles) * kSlabSlices, y0 = (long(item) % tiles) * kTileRows;
        const long slices = std::min(kSlabSlices, nz - z0), rows = std::min(kTileRows, ny - y0);
        const long layers = slices + 2 * pz, padded = rows + 2 * py;
        // layer: squared differences summed over the patch's columns, for the slab's slices and
        // rows widened by the patch; distance: that summed over the patch's rows and slices.
        std::vector<float> layer(static_cast<size_t>(layers * padded * nx)), difference(static_cast<size_t>(nx));
        std::vector<float> column(static_cast<size_t>(layers * rows * nx)), distance(static_cast<size_t>(nx));
        std::vector<float> value(static_cast<size_t>(slices * rows * nx), 0.f);
        std::vector<float> weight(static_cast<size_t>(slices * rows * nx), 0.f);
        for (long oz = -s.search[2]; oz <= s.search[2]; ++oz)
          for (long oy = -s.search[1]; oy <= s.search[1]; ++oy) {
            if (progress.cancelled()) return;
            for (long ox = -s.search[0]; ox <= s.search[0]; ++ox) {
              const long lo = std::clamp(-ox, 0L, nx), hi = std::clamp(nx - ox, lo, nx);  // x + ox inside
              for (long l = 0; l < layers; ++l)
                for (long r = 0; r < padded; ++r) {
                  const long y = y0 - py + r, z = z0 - pz + l;
                  const float* a = in.row(y, z);
                  const float* b = in.row(y + oy, z + oz);
                  float* d = difference.data();
                  for (long x = 0; x < lo; ++x) d[x] = (a[x] - b[0]) * (a[x] - b[0]);
                  for (long x = lo; x < hi; ++x) d[x] = (a[x] - b[x + ox]) * (a[x] - b[x + ox]);
                  for (long x = hi; x < nx; ++x) d[x] = (a[x] - b[nx - 1]) * (a[x] - b[nx - 1]);
                  float* box = layer.data() + (l * padded + r) * nx;
                  boxRow(d, px, nx, box);
                }
              // Summed over the patch's rows, then over its slices.
              for (long l = 0; l < layers; ++l)
                for (long r = 0; r < rows; ++r) {
                  float* out = column.data() + (l * rows + r) * nx;
                  std::fill(out, out + nx, 0.f);
                  for (long dy = 0; dy <= 2 * py; ++dy) {
                    const float* box = layer.data() + (l * padded + r + dy) * nx;
                    for (long x = 0; x < nx; ++x) out[x] += box[x];
                  }
                }
              for (long k = 0; k < slices; ++k)
                for (long r = 0; r < rows; ++r) {
                  float* dist = distance.data();
                  std::fill(dist, dist + nx, 0.f);
                  for (long dz = 0; dz <= 2 * pz; ++dz) {
                    const float* box = column.data() + ((k + dz) * rows + r) * nx;
                    for (long x = 0; x < nx; ++x) dist[x] += box[x];
                  }
                  const float* b = in.row(y0 + r + oy, z0 + k + oz);
                  float* v = value.data() + (k * rows + r) * nx;
                  float* w = weight.data() + (k * rows + r) * nx;
                  auto accumulate = [&](long x, float neighbour) {
                    // e^-a as (1 - a/16)^16, 0 from a = 16 on: within 0.02 of it everywhere and a
                    // third of the stage's time less than exp (four multiplications).
                    float wx = std::max(1.f + std::max(dist[x] * invPatch - offset, 0.f) * scale, 0.f);
                    wx *= wx, wx *= wx, wx *= wx, wx *= wx;
                    v[x] += wx * neighbour;
                    w[x] += wx;
                  };
                  for (long x = 0; x < lo; ++x) accumulate(x, b[0]);
                  for (long x = lo; x < hi; ++x) accumulate(x, b[x + ox]);
                  for (long x = hi; x < nx; ++x) accumulate(x, b[nx - 1]);
                }
            }
          }
        for (long k = 0; k < slices; ++k) {
          float* o = out + ((z0 + k) * ny + y0) * nx;
          const size_t first = size_t(k * rows * nx);
          for (long i = 0; i < rows * nx; ++i) o[i] = value[first + size_t(i)] / weight[first + size_t(i)];  // own weight 1
        }
      },
      progress, stage, 0, 1);
  return output;
}

}  // namespace medpipe
