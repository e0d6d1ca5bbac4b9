// Non-local means and the noise estimate: see fast_denoise.h. Compiled with -ffast-math so the
// sums are vectorised; images with NaN voxels are outside what it handles.
#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <array>
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

  // Symmetry halves the work: the patch distance of voxel v to v + o is that of v + o to v, so each
  // pair of offsets +-o needs one distance computation, over the tile widened by o, which then
  // weighs v + o into v and v - o into v (the distance at v - o).
  std::vector<std::array<long, 3>> half;  // the offsets o > 0 in (z, y, x) lexicographic order
  for (long oz = 0; oz <= s.search[2]; ++oz)
    for (long oy = -s.search[1]; oy <= s.search[1]; ++oy)
      for (long ox = -s.search[0]; ox <= s.search[0]; ++ox)
        if (oz > 0 || (oz == 0 && (oy > 0 || (oy == 0 && ox > 0)))) half.push_back({ox, oy, oz});

  parallelWithProgress(
      size_t(slabs * tiles),
      [&](size_t item) {
        const long z0 = (long(item) / tiles) * kSlabSlices, y0 = (long(item) % tiles) * kTileRows;
        const long slices = std::min(kSlabSlices, nz - z0), rows = std::min(kTileRows, ny - y0);
        // value, weight: the tile's sums, starting with the voxel itself (distance 0, weight 1).
        std::vector<float> value(static_cast<size_t>(slices * rows * nx)), weight(value.size(), 1.f);
        for (long k = 0; k < slices; ++k)
          for (long r = 0; r < rows; ++r) std::copy_n(in.row(y0 + r, z0 + k), nx, value.data() + (k * rows + r) * nx);
        std::vector<float> difference, layer, column, weights;
        for (const auto& o : half) {
          if (progress.cancelled()) return;
          const long ox = o[0], oy = o[1], oz = o[2];
          // Distances at positions x in [ex, ex + wx), rows y0 + [ey, ey + wy), slices z0 + [ez, ez + wz):
          // the tile and the tile shifted by -o (positions outside the volume read clamped voxels).
          const long ex = std::min(0L, -ox), ey = std::min(0L, -oy), ez = std::min(0L, -oz);
          const long wx = nx + std::abs(ox), wy = rows + std::abs(oy), wz = slices + std::abs(oz);
          const long layers = wz + 2 * pz, padded = wy + 2 * py;
          difference.resize(static_cast<size_t>(wx + 2 * px));
          layer.resize(static_cast<size_t>(layers * padded * wx));
          column.resize(static_cast<size_t>(layers * wy * wx));
          weights.resize(static_cast<size_t>(wz * wy * wx));
          // x positions ex - px + j, j in [0, wx + 2 px); both x and x + ox inside the volume for j in [lo, hi).
          const long first = ex - px, lo = std::clamp(std::max(-first, -ox - first), 0L, wx + 2 * px),
                     hi = std::clamp(std::min(nx - first, nx - ox - first), lo, wx + 2 * px);
          for (long l = 0; l < layers; ++l)
            for (long r = 0; r < padded; ++r) {
              const long y = y0 + ey - py + r, z = z0 + ez - pz + l;
              const float* a = in.row(y, z);
              const float* b = in.row(y + oy, z + oz);
              float* d = difference.data();
              auto clampedSquare = [&](long j) {
                const long x = first + j;
                const float e = a[std::clamp(x, 0L, nx - 1)] - b[std::clamp(x + ox, 0L, nx - 1)];
                return e * e;
              };
              for (long j = 0; j < lo; ++j) d[j] = clampedSquare(j);
              for (long j = lo; j < hi; ++j) d[j] = (a[first + j] - b[first + j + ox]) * (a[first + j] - b[first + j + ox]);
              for (long j = hi; j < wx + 2 * px; ++j) d[j] = clampedSquare(j);
              float* box = layer.data() + (l * padded + r) * wx;
              std::fill(box, box + wx, 0.f);
              for (long i = 0; i <= 2 * px; ++i)
                for (long j = 0; j < wx; ++j) box[j] += d[j + i];
            }
          // Summed over the patch's rows, then over its slices, then turned into weights:
          // e^-a as (1 - a/16)^16, 0 from a = 16 on: within 0.02 of it everywhere and a third of the
          // stage's time less than exp (four multiplications).
          for (long l = 0; l < layers; ++l)
            for (long r = 0; r < wy; ++r) {
              float* out = column.data() + (l * wy + r) * wx;
              std::fill(out, out + wx, 0.f);
              for (long dy = 0; dy <= 2 * py; ++dy) {
                const float* box = layer.data() + (l * padded + r + dy) * wx;
                for (long j = 0; j < wx; ++j) out[j] += box[j];
              }
            }
          for (long k = 0; k < wz; ++k)
            for (long r = 0; r < wy; ++r) {
              float* w = weights.data() + (k * wy + r) * wx;
              std::fill(w, w + wx, 0.f);
              for (long dz = 0; dz <= 2 * pz; ++dz) {
                const float* box = column.data() + ((k + dz) * wy + r) * wx;
                for (long j = 0; j < wx; ++j) w[j] += box[j];
              }
              for (long j = 0; j < wx; ++j) {
                float wj = std::max(1.f + std::max(w[j] * invPatch - offset, 0.f) * scale, 0.f);
                wj *= wj, wj *= wj, wj *= wj, wj *= wj;
                w[j] = wj;
              }
            }
          // v + o weighed into v with the distance at v, v - o with the distance at v - o.
          for (long k = 0; k < slices; ++k)
            for (long r = 0; r < rows; ++r) {
              float* v = value.data() + (k * rows + r) * nx;
              float* w = weight.data() + (k * rows + r) * nx;
              for (const long sign : {1L, -1L}) {
                const long dx = sign * ox, dy = sign * oy, dz = sign * oz;
                // The distance of v and v + sign o sits at v (sign 1) or v - o (sign -1).
                const long kk = k - ez - (sign < 0 ? oz : 0), rr = r - ey - (sign < 0 ? oy : 0);
                const float* wt = weights.data() + (kk * wy + rr) * wx - ex - (sign < 0 ? ox : 0);
                const float* b = in.row(y0 + r + dy, z0 + k + dz);
                const long lo2 = std::clamp(-dx, 0L, nx), hi2 = std::clamp(nx - dx, lo2, nx);  // x + dx inside
                for (long x = 0; x < lo2; ++x) v[x] += wt[x] * b[0], w[x] += wt[x];
                for (long x = lo2; x < hi2; ++x) v[x] += wt[x] * b[x + dx], w[x] += wt[x];
                for (long x = hi2; x < nx; ++x) v[x] += wt[x] * b[nx - 1], w[x] += wt[x];
              }
            }
        }
        for (long k = 0; k < slices; ++k) {
          float* o = out + ((z0 + k) * ny + y0) * nx;
          const size_t first = size_t(k * rows * nx);
          for (long i = 0; i < rows * nx; ++i) o[i] = value[first + size_t(i)] / weight[first + size_t(i)];
        }
      },
      progress, stage, 0, 1);
  return output;
}

}  // namespace medpipe
