#pragma once
// The separable passes of the feature bank: sampled Gaussian derivative kernels (order 0, 1, 2) and
// their one-axis passes with clamped borders. Every output voxel is o = w0 c + w1 (a1 +- b1) + ... in
// that order, each tap's term added by a fused multiply-add (one rounding), whatever the pass is run on
// (a whole slice, a chunk, a row) and on every CPU: the features' bits do not depend on how the work
// is cut or which instructions ran it. Private to the ml module.
#include <array>
#include <cstddef>
#include <vector>

namespace medpipe::ml {

// A sampled Gaussian derivative of order 0, 1 or 2; out[x] = sum_t w[t] in[x + t], t in [-r, r].
struct Kernel {
  int radius = 0;
  std::vector<float> w;  // 2r + 1 taps
  float sign = 1;        // w[r + t] = sign * w[r - t]: 1 for orders 0 and 2, -1 for order 1
};

Kernel gaussianKernel(double sigmaVoxels, int order);

// Kernels of one sigma (mm) on each axis: [axis][order], orders up to maxOrder.
using AxisKernels = std::array<std::array<Kernel, 3>, 3>;
AxisKernels kernelsFor(double sigmaMm, const double spacing[3], int maxOrder);

// o[i] = w[r] rows[r][i] + sum_t w[r + t] (rows[r + t][i] + sign rows[r - t][i]), i in [0, n).
void accumulate(const Kernel& k, const float* const* rows, size_t n, float* o);

// The same for up to 4 kernels over the same rows at once (rows[i], i in [0, 2R], R the largest
// radius; kernel m reads the middle 2 r_m + 1): outs[m] gets kernel m, the same sums as accumulate.
void accumulateSeveral(const Kernel* const* kernels, size_t count, const float* const* rows, size_t n,
                       float* const* outs);

// accumulate (k even: order 0) of the six products u v of three rows, formed per tap: outs[m] gets pair m of xx yy zz
// xy xz yz, gradients[a][d] the tap-d row of axis a; the same sums as accumulate on rows of products.
void accumulateProducts(const Kernel& k, const float* const* const gradients[3], size_t n, float* const* outs);

size_t clampIndex(long i, size_t n);

// Row y of the y pass over a slice of nx * ny voxels.
void yRow(const float* slice, size_t nx, size_t ny, const Kernel& k, size_t y, float* out);

// The x pass over one row of nx voxels; `padded` is scratch (the row with its clamped borders).
void xRow(const float* row, size_t nx, const Kernel& k, float* out, std::vector<float>& padded);

// yRow and xRow for up to 4 kernels at once (outs[m] gets kernels[m]): each input row read once.
void yRows(const float* slice, size_t nx, size_t ny, const Kernel* const* kernels, size_t count, size_t y,
           float* const* outs);
void xRows(const float* row, size_t nx, const Kernel* const* kernels, size_t count, float* const* outs,
           std::vector<float>& padded);

// Voxels [from, to) of slice z of the z pass of a volume of nz slices of sliceVoxels, for up to 4
// kernels at once (each input row read once for all), chunk by chunk (from: a multiple of the chunk).
inline constexpr size_t kZPassChunkVoxels = 2048;  // 8 kB of output per chunk, its input rows in L2
void zPasses(const float* volume, size_t nz, size_t sliceVoxels, size_t z, const Kernel* const* kernels,
             float* const* outs, size_t count, size_t from, size_t to);

}  // namespace medpipe::ml
