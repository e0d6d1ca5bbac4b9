// The feature bank's separable passes (see gaussian_passes.h).
#include "gaussian_passes.h"

#include <algorithm>
#include <cmath>

namespace medpipe::ml {
namespace {

constexpr double kMinSigmaVoxels = 0.5;  // below half a voxel a sampled derivative kernel is meaningless

}  // namespace

Kernel gaussianKernel(double sigmaVoxels, int order) {
  const double s = std::max(sigmaVoxels, kMinSigmaVoxels);
  Kernel k;
  k.radius = std::max(1, int(std::ceil(3 * s + 0.5 * order)));
  std::vector<double> w(2 * k.radius + 1);
  double sum = 0;
  for (int t = -k.radius; t <= k.radius; ++t) sum += w[t + k.radius] = std::exp(-0.5 * t * t / (s * s));
  for (auto& v : w) v /= sum;
  if (order == 1) {  // d/dx: exact on a linear ramp
    double m = 0;
    for (int t = -k.radius; t <= k.radius; ++t) w[t + k.radius] *= t, m += t * w[t + k.radius];
    for (auto& v : w) v /= m;
  } else if (order == 2) {  // d2/dx2: zero on a constant, exact on a parabola
    double mean = 0;
    for (int t = -k.radius; t <= k.radius; ++t) mean += w[t + k.radius] *= (t * t / (s * s) - 1);
    mean /= double(w.size());
    double m = 0;
    for (int t = -k.radius; t <= k.radius; ++t) w[t + k.radius] -= mean, m += 0.5 * t * t * w[t + k.radius];
    for (auto& v : w) v /= m;
  }
  k.w.assign(w.begin(), w.end());
  k.sign = order == 1 ? -1.0f : 1.0f;
  for (int t = 1; t <= k.radius; ++t)  // exact by construction (g(t) = g(-t)); make it so in float too
    k.w[size_t(k.radius - t)] = k.sign * k.w[size_t(k.radius + t)];
  return k;
}

AxisKernels kernelsFor(double sigmaMm, const double spacing[3], int maxOrder) {
  AxisKernels k;
  for (int a = 0; a < 3; ++a)
    for (int o = 0; o <= maxOrder; ++o) k[a][o] = gaussianKernel(sigmaMm / spacing[a], o);
  return k;
}

size_t clampIndex(long i, size_t n) { return size_t(std::clamp<long>(i, 0, long(n) - 1)); }

// Eight floats, loaded and stored anywhere (GCC's vector extension: SSE2 pairs or one AVX2 register).
typedef float Floats8 __attribute__((vector_size(32), aligned(4), may_alias));
#define MEDPIPE_AT(p) (*reinterpret_cast<Floats8*>(p))
#define MEDPIPE_AT_CONST(p) (*reinterpret_cast<const Floats8*>(p))

// Half the multiplications (the kernel's symmetry), 32 outputs at a time kept in registers through
// all the taps (the loads of the taps are then the only memory traffic). Not inlined, and cloned for
// AVX2, picked at load time where the CPU has it: only additions and multiplications, each rounded
// alone (no fused multiply-add in either clone), in the same order for every voxel: the features do
// not depend on the pick or on where a block starts.
__attribute__((noinline, target_clones("avx2", "default"))) void accumulate(const Kernel& k, const float* const* rows,
                                                                            size_t n, float* o) {
  const int r = k.radius;
  const float centre = k.w[size_t(r)];
  const float* c = rows[r];
  const bool even = k.sign > 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    Floats8 s0 = centre * MEDPIPE_AT_CONST(c + i), s1 = centre * MEDPIPE_AT_CONST(c + i + 8);
    Floats8 s2 = centre * MEDPIPE_AT_CONST(c + i + 16), s3 = centre * MEDPIPE_AT_CONST(c + i + 24);
    for (int t = 1; t <= r; ++t) {
      const float w = k.w[size_t(r + t)];
      const float* a = rows[r + t] + i;
      const float* b = rows[r - t] + i;
      if (even) {
        s0 += w * (MEDPIPE_AT_CONST(a) + MEDPIPE_AT_CONST(b)), s1 += w * (MEDPIPE_AT_CONST(a + 8) + MEDPIPE_AT_CONST(b + 8));
        s2 += w * (MEDPIPE_AT_CONST(a + 16) + MEDPIPE_AT_CONST(b + 16));
        s3 += w * (MEDPIPE_AT_CONST(a + 24) + MEDPIPE_AT_CONST(b + 24));
      } else {
        s0 += w * (MEDPIPE_AT_CONST(a) - MEDPIPE_AT_CONST(b)), s1 += w * (MEDPIPE_AT_CONST(a + 8) - MEDPIPE_AT_CONST(b + 8));
        s2 += w * (MEDPIPE_AT_CONST(a + 16) - MEDPIPE_AT_CONST(b + 16));
        s3 += w * (MEDPIPE_AT_CONST(a + 24) - MEDPIPE_AT_CONST(b + 24));
      }
    }
    MEDPIPE_AT(o + i) = s0, MEDPIPE_AT(o + i + 8) = s1, MEDPIPE_AT(o + i + 16) = s2, MEDPIPE_AT(o + i + 24) = s3;
  }
  for (; i < n; ++i) {
    float s = centre * c[i];
    for (int t = 1; t <= r; ++t) {
      const float w = k.w[size_t(r + t)];
      s += even ? w * (rows[r + t][i] + rows[r - t][i]) : w * (rows[r + t][i] - rows[r - t][i]);
    }
    o[i] = s;
  }
}

namespace {

// accumulateSeveral for Count kernels: 16 outputs of each in registers, every tap's two rows loaded
// once and their sum and difference shared by the kernels that reach that tap.
template <int Count>
__attribute__((always_inline)) inline void accumulateEach(const Kernel* const* kernels, const float* const* rows,
                                                          int reach, size_t n, float* const* outs) {
  int radius[Count];
  float centre[Count];
  const float* w[Count];  // w[m][t]: tap t >= 0 of kernel m
  bool even[Count];
  for (int m = 0; m < Count; ++m) {
    radius[m] = kernels[m]->radius, w[m] = kernels[m]->w.data() + radius[m];
    centre[m] = w[m][0], even[m] = kernels[m]->sign > 0;
  }
  const float* c = rows[reach];
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    Floats8 s[Count][2];
    const Floats8 c0 = MEDPIPE_AT_CONST(c + i), c1 = MEDPIPE_AT_CONST(c + i + 8);
    for (int m = 0; m < Count; ++m) s[m][0] = centre[m] * c0, s[m][1] = centre[m] * c1;
    for (int t = 1; t <= reach; ++t) {
      const float* a = rows[reach + t] + i;
      const float* b = rows[reach - t] + i;
      const Floats8 a0 = MEDPIPE_AT_CONST(a), a1 = MEDPIPE_AT_CONST(a + 8);
      const Floats8 b0 = MEDPIPE_AT_CONST(b), b1 = MEDPIPE_AT_CONST(b + 8);
      const Floats8 sum0 = a0 + b0, sum1 = a1 + b1, difference0 = a0 - b0, difference1 = a1 - b1;
      for (int m = 0; m < Count; ++m) {
        if (t > radius[m]) continue;
        const float wt = w[m][t];
        if (even[m])
          s[m][0] += wt * sum0, s[m][1] += wt * sum1;
        else
          s[m][0] += wt * difference0, s[m][1] += wt * difference1;
      }
    }
    for (int m = 0; m < Count; ++m) MEDPIPE_AT(outs[m] + i) = s[m][0], MEDPIPE_AT(outs[m] + i + 8) = s[m][1];
  }
  for (; i < n; ++i)
    for (int m = 0; m < Count; ++m) {
      float sum = centre[m] * c[i];
      for (int t = 1; t <= radius[m]; ++t)
        sum += even[m] ? w[m][t] * (rows[reach + t][i] + rows[reach - t][i])
                       : w[m][t] * (rows[reach + t][i] - rows[reach - t][i]);
      outs[m][i] = sum;
    }
}

}  // namespace

__attribute__((noinline, target_clones("avx2", "default"))) void accumulateSeveral(const Kernel* const* kernels,
                                                                                   size_t count,
                                                                                   const float* const* rows,
                                                                                   size_t n, float* const* outs) {
  int reach = 0;
  for (size_t m = 0; m < count; ++m) reach = std::max(reach, kernels[m]->radius);
  switch (count) {
    case 1: accumulateEach<1>(kernels, rows, reach, n, outs); break;
    case 2: accumulateEach<2>(kernels, rows, reach, n, outs); break;
    case 3: accumulateEach<3>(kernels, rows, reach, n, outs); break;
    default: accumulateEach<4>(kernels, rows, reach, n, outs); break;
  }
}

#undef MEDPIPE_AT
#undef MEDPIPE_AT_CONST

void yRow(const float* slice, size_t nx, size_t ny, const Kernel& k, size_t y, float* out) {
  thread_local std::vector<const float*> rows;
  rows.resize(2 * size_t(k.radius) + 1);
  for (int t = -k.radius; t <= k.radius; ++t) rows[size_t(t + k.radius)] = slice + clampIndex(long(y) + t, ny) * nx;
  accumulate(k, rows.data(), nx, out);
}

// The row extended by r copies of its end voxels on either side, as 2r+1 row pointers shifted by
// one voxel each: what accumulate reads for an x pass.
static const float* const* paddedRows(const float* row, size_t nx, size_t r, std::vector<float>& padded) {
  padded.resize(nx + 2 * r);
  std::fill(padded.begin(), padded.begin() + long(r), row[0]);
  std::copy(row, row + nx, padded.begin() + long(r));
  std::fill(padded.begin() + long(r + nx), padded.end(), row[nx - 1]);
  thread_local std::vector<const float*> rows;
  rows.resize(2 * r + 1);
  for (size_t t = 0; t <= 2 * r; ++t) rows[t] = padded.data() + t;
  return rows.data();
}

void xRow(const float* row, size_t nx, const Kernel& k, float* out, std::vector<float>& padded) {
  accumulate(k, paddedRows(row, nx, size_t(k.radius), padded), nx, out);
}

void yRows(const float* slice, size_t nx, size_t ny, const Kernel* const* kernels, size_t count, size_t y,
           float* const* outs) {
  int reach = 0;
  for (size_t m = 0; m < count; ++m) reach = std::max(reach, kernels[m]->radius);
  thread_local std::vector<const float*> rows;
  rows.resize(2 * size_t(reach) + 1);
  for (int t = -reach; t <= reach; ++t) rows[size_t(t + reach)] = slice + clampIndex(long(y) + t, ny) * nx;
  accumulateSeveral(kernels, count, rows.data(), nx, outs);
}

void xRows(const float* row, size_t nx, const Kernel* const* kernels, size_t count, float* const* outs,
           std::vector<float>& padded) {
  int reach = 0;
  for (size_t m = 0; m < count; ++m) reach = std::max(reach, kernels[m]->radius);
  accumulateSeveral(kernels, count, paddedRows(row, nx, size_t(reach), padded), nx, outs);
}

void zPasses(const float* volume, size_t nz, size_t sliceVoxels, size_t z, const Kernel* const* kernels,
             float* const* outs, size_t count, size_t from, size_t to) {
  int reach = 0;
  for (size_t m = 0; m < count; ++m) reach = std::max(reach, kernels[m]->radius);
  thread_local std::vector<const float*> rows;
  thread_local std::vector<float*> at;
  rows.resize(2 * size_t(reach) + 1), at.resize(count);
  for (size_t begin = from; begin < to; begin += kZPassChunkVoxels) {
    const size_t n = std::min(kZPassChunkVoxels, to - begin);
    for (int t = -reach; t <= reach; ++t)
      rows[size_t(t + reach)] = volume + clampIndex(long(z) + t, nz) * sliceVoxels + begin;
    for (size_t m = 0; m < count; ++m) at[m] = outs[m] + begin;
    accumulateSeveral(kernels, count, rows.data(), n, at.data());
  }
}

}  // namespace medpipe::ml
