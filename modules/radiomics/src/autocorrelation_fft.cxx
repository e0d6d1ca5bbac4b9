// Moran's I and Geary's C in O(M log M) for a bounding box of M voxels instead of O(N^2) pairs:
// every double sum over pairs is a voxel sum against a convolution with the kernel w(d) = 1/|d|,
//   sum_ij w_ij a_i a_j = a . (K * a),   W = m . (K * m),
//   sum_ij w_ij (a_i - a_j)^2 = 2 (a^2 . (K * m)) - 2 a . (K * a),
// with a the centred intensities inside the mask (0 outside) and m the mask. The convolutions are
// exact linear ones (zero-padded to at least 2 b - 1 per axis) through FFTW; the result equals the
// pairwise sum to rounding (tests/radiomics/test_geometry.cxx).
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "autocorrelation.h"
#include "families.h"
#include "medpipe/core/error.h"

namespace medpipe::radiomics {
namespace {

// The smallest size >= n whose prime factors are 2, 3, 5 and 7 (FFTW is fast on those).
int fftSize(int n) {
  for (int m = std::max(1, n);; ++m) {
    int r = m;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};
using RealBuffer = std::unique_ptr<double[], FftwFree>;
using ComplexBuffer = std::unique_ptr<fftw_complex[], FftwFree>;

std::mutex& plannerMutex() {  // FFTW's planner is not thread-safe
  static std::mutex m;
  return m;
}

// FFTW plans, destroyed under the planner's lock however the computation ends (a cancel throws
// between two transforms: one cannot be stopped).
struct Plans {
  std::vector<fftw_plan> plans;
  Plans() = default;
  Plans(const Plans&) = delete;
  Plans& operator=(const Plans&) = delete;
  ~Plans() {
    std::lock_guard<std::mutex> lock(plannerMutex());
    for (auto& p : plans) fftw_destroy_plan(p);
  }
};

}  // namespace

SpatialAutocorrelation spatialAutocorrelation(const RoiImage& roi, unsigned threads, const Progress& progress) {
  const Grid& g = roi.grid;
  std::array<int, 3> lo{g.size[0], g.size[1], g.size[2]}, hi{-1, -1, -1};
  double mean = 0, count = 0;
  for (int z = 0; z < g.size[2]; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < g.size[1]; ++y)
      for (int x = 0; x < g.size[0]; ++x) {
        const size_t i = g.index(x, y, z);
        if (!roi.intensityMask[i]) continue;
        const int p[3] = {x, y, z};
        for (size_t k = 0; k < 3; ++k) lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
        mean += roi.intensity[i], ++count;
      }
  }
  if (count < 2000) return spatialAutocorrelationPairwise(roi, threads);  // small: pairs are cheaper
  mean /= count;
  std::array<int, 3> box{}, n{};
  for (size_t k = 0; k < 3; ++k) box[k] = hi[k] - lo[k] + 1, n[k] = fftSize(2 * box[k] - 1);
  // FFTW order: z slowest, x fastest (contiguous), as the grid.
  const size_t real = size_t(n[0]) * n[1] * n[2], complex = size_t(n[0] / 2 + 1) * n[1] * n[2];
  // Three real and three half-complex buffers: refuse past 2 GB rather than exhaust memory.
  const double bytes = 8.0 * double(3 * real + 6 * complex);
  if (bytes > kMaxAutocorrelationBytes)
    throw Error("", "region",
                "Moran's I / Geary's C: the region's bounding box (" + std::to_string(box[0]) + "x" +
                    std::to_string(box[1]) + "x" + std::to_string(box[2]) + " voxels) needs " +
                    std::to_string(int(bytes / 1e9 + 0.5)) + " GB of FFT buffers, more than the limit of " +
                    std::to_string(int(kMaxAutocorrelationBytes / 1e9)) + " GB");
  auto index = [&](int x, int y, int z) { return size_t(x) + size_t(n[0]) * (size_t(y) + size_t(n[1]) * size_t(z)); };
  RealBuffer kernel(fftw_alloc_real(real)), a(fftw_alloc_real(real)), m(fftw_alloc_real(real));
  ComplexBuffer kernelHat(fftw_alloc_complex(complex)), aHat(fftw_alloc_complex(complex)),
      mHat(fftw_alloc_complex(complex));
  for (double* buffer : {kernel.get(), a.get(), m.get()})
    forEachBlock(real, kValuesPerCancelCheck, progress,
                 [&](size_t begin, size_t end) { std::fill(buffer + begin, buffer + end, 0.0); });
  for (int dz = -(box[2] - 1); dz < box[2]; ++dz) {
    progress.throwIfCancelled();
    for (int dy = -(box[1] - 1); dy < box[1]; ++dy)
      for (int dx = -(box[0] - 1); dx < box[0]; ++dx) {
        if (dx == 0 && dy == 0 && dz == 0) continue;
        const double d =
            std::sqrt(std::pow(dx * g.spacing[0], 2) + std::pow(dy * g.spacing[1], 2) + std::pow(dz * g.spacing[2], 2));
        kernel[index((dx + n[0]) % n[0], (dy + n[1]) % n[1], (dz + n[2]) % n[2])] = 1 / d;
      }
  }
  double variance = 0;
  for (int z = 0; z < box[2]; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < box[1]; ++y)
      for (int x = 0; x < box[0]; ++x) {
        const size_t i = g.index(x + lo[0], y + lo[1], z + lo[2]);
        if (!roi.intensityMask[i]) continue;
        const double c = roi.intensity[i] - mean;
        a[index(x, y, z)] = c, m[index(x, y, z)] = 1, variance += c * c;
      }
  }
  if (variance == 0) return {0.0, 0.0};
  Plans plans;  // forward: kernel, a, m; backward: a, m
  {
    std::lock_guard<std::mutex> lock(plannerMutex());
    static const bool threaded = fftw_init_threads() != 0;
    if (threaded) fftw_plan_with_nthreads(int(std::max(1u, threads)));
    plans.plans = {fftw_plan_dft_r2c_3d(n[2], n[1], n[0], kernel.get(), kernelHat.get(), FFTW_ESTIMATE),
                   fftw_plan_dft_r2c_3d(n[2], n[1], n[0], a.get(), aHat.get(), FFTW_ESTIMATE),
                   fftw_plan_dft_r2c_3d(n[2], n[1], n[0], m.get(), mHat.get(), FFTW_ESTIMATE),
                   fftw_plan_dft_c2r_3d(n[2], n[1], n[0], aHat.get(), kernel.get(), FFTW_ESTIMATE),
                   fftw_plan_dft_c2r_3d(n[2], n[1], n[0], mHat.get(), a.get(), FFTW_ESTIMATE)};
  }
  // FFTW_ESTIMATE planning leaves the filled arrays intact, and r2c transforms preserve their input.
  for (size_t p = 0; p < 3; ++p) {
    progress.throwIfCancelled();
    fftw_execute(plans.plans[p]);
  }
  // The inverse transforms overwrite a: keep the mask voxels' values.
  std::vector<double> centred, weights;
  std::vector<size_t> at;
  for (int z = 0; z < box[2]; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < box[1]; ++y)
      for (int x = 0; x < box[0]; ++x)
        if (m[index(x, y, z)] != 0) at.push_back(index(x, y, z)), centred.push_back(a[index(x, y, z)]);
  }
  forEachBlock(complex, kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      const double kr = kernelHat[k][0], ki = kernelHat[k][1];
      const double ar = aHat[k][0], ai = aHat[k][1], mr = mHat[k][0], mi = mHat[k][1];
      aHat[k][0] = kr * ar - ki * ai, aHat[k][1] = kr * ai + ki * ar;
      mHat[k][0] = kr * mr - ki * mi, mHat[k][1] = kr * mi + ki * mr;
    }
  });
  progress.throwIfCancelled();
  fftw_execute(plans.plans[3]);  // kernel <- K * a (unnormalised)
  progress.throwIfCancelled();
  fftw_execute(plans.plans[4]);  // a <- K * m
  const double scale = 1.0 / double(real);
  double moran = 0, w = 0, squares = 0;
  forEachBlock(at.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      const double ka = kernel[at[k]] * scale, km = a[at[k]] * scale;
      moran += centred[k] * ka;
      w += km;
      squares += centred[k] * centred[k] * km;
    }
  });
  const double geary = 2 * squares - 2 * moran;
  return {count / w * moran / variance, (count - 1) / (2 * w) * geary / variance};
}

}  // namespace medpipe::radiomics
