// The feature bank's separable passes (see gaussian_passes.h).
#include "gaussian_passes.h"
#include "instruction_choice.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

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

// Eight or sixteen floats (GCC's vector extension: SSE2 registers, AVX2 ones, or one AVX-512 register).
typedef float Floats8 __attribute__((vector_size(32)));
typedef float Floats16 __attribute__((vector_size(64)));

namespace {

// Loads and stores anywhere (memcpy: unaligned moves), inlined into the entries' instructions (so no
// call passes a vector: GCC's warning about the ABI of such calls, here to the pop, does not apply).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
template <class F>
__attribute__((always_inline)) inline F at(const float* p) {
  F v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class F>
__attribute__((always_inline)) inline void put(float* p, const F& v) {
  std::memcpy(p, &v, sizeof v);
}

// s + w x rounded once (a fused multiply-add), F at a time: one instruction on AVX-512 and on AVX2
// with FMA, std::fma per float elsewhere (its hardware instruction or glibc's exact emulation): the
// same bits on every CPU. The two with a target are not always_inline (GCC would check their target
// against the template calling them); the entries' `flatten` inlines them.
struct Avx512Fused {
  static __attribute__((target("avx512f,fma"))) inline void mulAdd(Floats16& s, float w, const Floats16& x) {
    s = Floats16(_mm512_fmadd_ps(_mm512_set1_ps(w), __m512(x), __m512(s)));
  }
};
struct Avx2Fused {
  static __attribute__((target("avx2,fma"))) inline void mulAdd(Floats8& s, float w, const Floats8& x) {
    s = Floats8(_mm256_fmadd_ps(_mm256_set1_ps(w), __m256(x), __m256(s)));
  }
};
struct PortableFused {
  static __attribute__((always_inline)) inline void mulAdd(Floats8& s, float w, const Floats8& x) {
    for (int l = 0; l < 8; ++l) s[l] = std::fma(w, x[l], s[l]);
  }
};

// Half the multiplications (the kernel's symmetry), 4 vectors of F outputs kept in registers through
// all the taps (the loads of the taps are then the only memory traffic). Inlined into each entry
// below, compiled for its instructions: each tap one addition (or subtraction) and one fused
// multiply-add (Fused), in the same order for every voxel: the features do not depend on the pick,
// the width or where a block starts.
template <class F, class Fused>
__attribute__((always_inline)) inline void accumulateOn(const Kernel& k, const float* const* rows, size_t n, float* o) {
  constexpr size_t L = sizeof(F) / sizeof(float), B = 4 * L;
  const int r = k.radius;
  const float centre = k.w[size_t(r)];
  const float* c = rows[r];
  const bool even = k.sign > 0;
  size_t i = 0;
  for (; i + B <= n; i += B) {
    F s0 = centre * at<F>(c + i), s1 = centre * at<F>(c + i + L);
    F s2 = centre * at<F>(c + i + 2 * L), s3 = centre * at<F>(c + i + 3 * L);
    for (int t = 1; t <= r; ++t) {
      const float w = k.w[size_t(r + t)];
      const float* a = rows[r + t] + i;
      const float* b = rows[r - t] + i;
      if (even) {
        Fused::mulAdd(s0, w, at<F>(a) + at<F>(b)), Fused::mulAdd(s1, w, at<F>(a + L) + at<F>(b + L));
        Fused::mulAdd(s2, w, at<F>(a + 2 * L) + at<F>(b + 2 * L));
        Fused::mulAdd(s3, w, at<F>(a + 3 * L) + at<F>(b + 3 * L));
      } else {
        Fused::mulAdd(s0, w, at<F>(a) - at<F>(b)), Fused::mulAdd(s1, w, at<F>(a + L) - at<F>(b + L));
        Fused::mulAdd(s2, w, at<F>(a + 2 * L) - at<F>(b + 2 * L));
        Fused::mulAdd(s3, w, at<F>(a + 3 * L) - at<F>(b + 3 * L));
      }
    }
    put(o + i, s0), put(o + i + L, s1), put(o + i + 2 * L, s2), put(o + i + 3 * L, s3);
  }
  for (; i < n; ++i) {
    float s = centre * c[i];
    for (int t = 1; t <= r; ++t) {
      const float w = k.w[size_t(r + t)];
      s = std::fma(w, even ? rows[r + t][i] + rows[r - t][i] : rows[r + t][i] - rows[r - t][i], s);
    }
    o[i] = s;
  }
}

// accumulateSeveral for Count kernels: 2 vectors of F outputs of each in registers, every tap's two
// rows loaded once and their sum and difference shared by the kernels that reach that tap.
template <class F, class Fused, int Count>
__attribute__((always_inline)) inline void accumulateEach(const Kernel* const* kernels, const float* const* rows,
                                                          int reach, size_t n, float* const* outs) {
  constexpr size_t L = sizeof(F) / sizeof(float), B = 2 * L;
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
  for (; i + B <= n; i += B) {
    F s[Count][2];
    const F c0 = at<F>(c + i), c1 = at<F>(c + i + L);
    for (int m = 0; m < Count; ++m) s[m][0] = centre[m] * c0, s[m][1] = centre[m] * c1;
    for (int t = 1; t <= reach; ++t) {
      const float* a = rows[reach + t] + i;
      const float* b = rows[reach - t] + i;
      const F a0 = at<F>(a), a1 = at<F>(a + L), b0 = at<F>(b), b1 = at<F>(b + L);
      const F sum0 = a0 + b0, sum1 = a1 + b1, difference0 = a0 - b0, difference1 = a1 - b1;
      for (int m = 0; m < Count; ++m) {
        if (t > radius[m]) continue;
        const float wt = w[m][t];
        if (even[m])
          Fused::mulAdd(s[m][0], wt, sum0), Fused::mulAdd(s[m][1], wt, sum1);
        else
          Fused::mulAdd(s[m][0], wt, difference0), Fused::mulAdd(s[m][1], wt, difference1);
      }
    }
    for (int m = 0; m < Count; ++m) put(outs[m] + i, s[m][0]), put(outs[m] + i + L, s[m][1]);
  }
  for (; i < n; ++i)
    for (int m = 0; m < Count; ++m) {
      float sum = centre[m] * c[i];
      for (int t = 1; t <= radius[m]; ++t)
        sum = std::fma(w[m][t],
                       even[m] ? rows[reach + t][i] + rows[reach - t][i] : rows[reach + t][i] - rows[reach - t][i], sum);
      outs[m][i] = sum;
    }
}

template <class F, class Fused>
__attribute__((always_inline)) inline void accumulateSeveralOn(const Kernel* const* kernels, size_t count,
                                                               const float* const* rows, size_t n, float* const* outs) {
  int reach = 0;
  for (size_t m = 0; m < count; ++m) reach = std::max(reach, kernels[m]->radius);
  switch (count) {
    case 1: accumulateEach<F, Fused, 1>(kernels, rows, reach, n, outs); break;
    case 2: accumulateEach<F, Fused, 2>(kernels, rows, reach, n, outs); break;
    case 3: accumulateEach<F, Fused, 3>(kernels, rows, reach, n, outs); break;
    default: accumulateEach<F, Fused, 4>(kernels, rows, reach, n, outs); break;
  }
}

// accumulateProducts: the six products of the three gradient rows formed per tap in registers (the
// same float products as forming them first), one vector of F outputs of each product in registers.
template <class F, class Fused>
__attribute__((always_inline)) inline void accumulateProductsOn(const Kernel& k, const float* const* const gradients[3],
                                                                size_t n, float* const* outs) {
  constexpr size_t L = sizeof(F) / sizeof(float);
  const int r = k.radius;
  const float* const* gx = gradients[0];
  const float* const* gy = gradients[1];
  const float* const* gz = gradients[2];
  const float centre = k.w[size_t(r)];
  size_t i = 0;
  for (; i + L <= n; i += L) {
    const F cx = at<F>(gx[r] + i), cy = at<F>(gy[r] + i), cz = at<F>(gz[r] + i);
    F xx = centre * (cx * cx), yy = centre * (cy * cy), zz = centre * (cz * cz);
    F xy = centre * (cx * cy), xz = centre * (cx * cz), yz = centre * (cy * cz);
    for (int t = 1; t <= r; ++t) {
      const float w = k.w[size_t(r + t)];
      const F ax = at<F>(gx[r + t] + i), ay = at<F>(gy[r + t] + i), az = at<F>(gz[r + t] + i);
      const F bx = at<F>(gx[r - t] + i), by = at<F>(gy[r - t] + i), bz = at<F>(gz[r - t] + i);
      Fused::mulAdd(xx, w, ax * ax + bx * bx), Fused::mulAdd(yy, w, ay * ay + by * by);
      Fused::mulAdd(zz, w, az * az + bz * bz), Fused::mulAdd(xy, w, ax * ay + bx * by);
      Fused::mulAdd(xz, w, ax * az + bx * bz), Fused::mulAdd(yz, w, ay * az + by * bz);
    }
    put(outs[0] + i, xx), put(outs[1] + i, yy), put(outs[2] + i, zz);
    put(outs[3] + i, xy), put(outs[4] + i, xz), put(outs[5] + i, yz);
  }
  constexpr int kPairs[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};
  for (; i < n; ++i)
    for (int m = 0; m < 6; ++m) {
      const float* const* u = gradients[kPairs[m][0]];
      const float* const* v = gradients[kPairs[m][1]];
      float sum = centre * (u[r][i] * v[r][i]);
      for (int t = 1; t <= r; ++t)
        sum = std::fma(k.w[size_t(r + t)], u[r + t][i] * v[r + t][i] + u[r - t][i] * v[r - t][i], sum);
      outs[m][i] = sum;
    }
}

// The entries: 16-float vectors where the CPU has AVX-512F, 8 on AVX2 with FMA, else 8 of SSE2.
__attribute__((noinline, flatten, target("avx512f,fma"))) void accumulateAvx512(const Kernel& k, const float* const* rows,
                                                                       size_t n, float* o) {
  accumulateOn<Floats16, Avx512Fused>(k, rows, n, o);
}
__attribute__((noinline, flatten, target("avx2,fma"))) void accumulateAvx2(const Kernel& k, const float* const* rows, size_t n,
                                                                  float* o) {
  accumulateOn<Floats8, Avx2Fused>(k, rows, n, o);
}
__attribute__((noinline)) void accumulatePortable(const Kernel& k, const float* const* rows, size_t n, float* o) {
  accumulateOn<Floats8, PortableFused>(k, rows, n, o);
}
__attribute__((noinline, flatten, target("avx512f,fma"))) void accumulateSeveralAvx512(const Kernel* const* kernels,
                                                                              size_t count, const float* const* rows,
                                                                              size_t n, float* const* outs) {
  accumulateSeveralOn<Floats16, Avx512Fused>(kernels, count, rows, n, outs);
}
__attribute__((noinline, flatten, target("avx2,fma"))) void accumulateSeveralAvx2(const Kernel* const* kernels, size_t count,
                                                                         const float* const* rows, size_t n,
                                                                         float* const* outs) {
  accumulateSeveralOn<Floats8, Avx2Fused>(kernels, count, rows, n, outs);
}
__attribute__((noinline)) void accumulateSeveralPortable(const Kernel* const* kernels, size_t count,
                                                         const float* const* rows, size_t n, float* const* outs) {
  accumulateSeveralOn<Floats8, PortableFused>(kernels, count, rows, n, outs);
}
__attribute__((noinline, flatten, target("avx512f,fma"))) void accumulateProductsAvx512(const Kernel& k,
                                                                               const float* const* const gradients[3],
                                                                               size_t n, float* const* outs) {
  accumulateProductsOn<Floats16, Avx512Fused>(k, gradients, n, outs);
}
__attribute__((noinline, flatten, target("avx2,fma"))) void accumulateProductsAvx2(const Kernel& k,
                                                                          const float* const* const gradients[3],
                                                                          size_t n, float* const* outs) {
  accumulateProductsOn<Floats8, Avx2Fused>(k, gradients, n, outs);
}
__attribute__((noinline)) void accumulateProductsPortable(const Kernel& k, const float* const* const gradients[3],
                                                          size_t n, float* const* outs) {
  accumulateProductsOn<Floats8, PortableFused>(k, gradients, n, outs);
}
#pragma GCC diagnostic pop

}  // namespace

namespace {

// The entry of the CPU's best level (a test may set a lower limit): AVX-512, AVX2 or portable.
template <class... Params, class... Args>
void onBestEntry(void (*avx512)(Params...), void (*avx2)(Params...), void (*portable)(Params...), Args&&... args) {
  (useAvx512() ? avx512 : useAvx2() ? avx2 : portable)(std::forward<Args>(args)...);
}

}  // namespace

void accumulate(const Kernel& k, const float* const* rows, size_t n, float* o) {
  onBestEntry(accumulateAvx512, accumulateAvx2, accumulatePortable, k, rows, n, o);
}

void accumulateSeveral(const Kernel* const* kernels, size_t count, const float* const* rows, size_t n,
                       float* const* outs) {
  onBestEntry(accumulateSeveralAvx512, accumulateSeveralAvx2, accumulateSeveralPortable, kernels, count, rows, n, outs);
}

void accumulateProducts(const Kernel& k, const float* const* const gradients[3], size_t n, float* const* outs) {
  onBestEntry(accumulateProductsAvx512, accumulateProductsAvx2, accumulateProductsPortable, k, gradients, n, outs);
}

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
