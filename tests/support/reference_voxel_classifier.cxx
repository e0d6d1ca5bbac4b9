// The voxel classifier's feature bank and forest as they were before the streaming feature bank and
// the grouped forest (commit 9dcd31f, modules/ml/src/feature_bank.cxx and voxel_classifier.cxx,
// verbatim but for the namespace and the two functions' names): the computation the fast one must
// match bit for bit.
#include "reference_voxel_classifier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "medpipe/core/parallel.h"

namespace medpipe::test::reference {
using namespace medpipe::ml;
namespace {

constexpr double kDogRatio = 0.66;        // ilastik's difference of Gaussians: sigma minus 0.66 sigma
constexpr double kOuterRatio = 0.5;       // ilastik's structure tensor: outer scale = sigma / 2
constexpr double kMinSigmaVoxels = 0.5;   // below half a voxel a sampled derivative kernel is meaningless

// A sampled Gaussian derivative of order 0, 1 or 2; out[x] = sum_t w[t] in[x + t], t in [-r, r].
struct Kernel {
  int radius = 0;
  std::vector<float> w;  // 2r + 1 taps
  float sign = 1;        // w[r + t] = sign * w[r - t]: 1 for orders 0 and 2, -1 for order 1
};

// o[i] = w[r] in0[i] + sum_t w[r + t] (in+t[i] + sign in-t[i]): half the multiplications, each tap's
// added in one rounding (a fused multiply-add).
inline void accumulate(const Kernel& k, const float* const* rows, size_t n, float* o) {
  const float centre = k.w[size_t(k.radius)];
  const float* c = rows[k.radius];
  for (size_t i = 0; i < n; ++i) o[i] = centre * c[i];
  for (int t = 1; t <= k.radius; ++t) {
    const float w = k.w[size_t(k.radius + t)];
    const float* a = rows[k.radius + t];
    const float* b = rows[k.radius - t];
    if (k.sign > 0)
      for (size_t i = 0; i < n; ++i) o[i] = std::fma(w, a[i] + b[i], o[i]);
    else
      for (size_t i = 0; i < n; ++i) o[i] = std::fma(w, a[i] - b[i], o[i]);
  }
}

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

// Kernels of one sigma (mm) on each axis: [axis][order].
using AxisKernels = std::array<std::array<Kernel, 3>, 3>;
AxisKernels kernelsFor(double sigmaMm, const double spacing[3], int maxOrder) {
  AxisKernels k;
  for (int a = 0; a < 3; ++a)
    for (int o = 0; o <= maxOrder; ++o) k[a][o] = gaussianKernel(sigmaMm / spacing[a], o);
  return k;
}

size_t clampIndex(long i, size_t n) { return size_t(std::clamp<long>(i, 0, long(n) - 1)); }

// Slice z of the z pass over a whole volume.
void zPass(const float* volume, size_t nz, size_t sliceVoxels, const Kernel& k, size_t z, float* out) {
  std::vector<const float*> rows(2 * size_t(k.radius) + 1);
  for (int t = -k.radius; t <= k.radius; ++t) rows[size_t(t + k.radius)] = volume + clampIndex(long(z) + t, nz) * sliceVoxels;
  accumulate(k, rows.data(), sliceVoxels, out);
}

void yPass(const float* in, size_t nx, size_t ny, const Kernel& k, float* out) {
  std::vector<const float*> rows(2 * size_t(k.radius) + 1);
  for (size_t y = 0; y < ny; ++y) {
    for (int t = -k.radius; t <= k.radius; ++t) rows[size_t(t + k.radius)] = in + clampIndex(long(y) + t, ny) * nx;
    accumulate(k, rows.data(), nx, out + y * nx);
  }
}

void xPass(const float* in, size_t nx, size_t ny, const Kernel& k, float* out, std::vector<float>& padded) {
  const size_t r = size_t(k.radius);
  padded.resize(nx + 2 * r);
  std::vector<const float*> rows(2 * r + 1);
  for (size_t t = 0; t <= 2 * r; ++t) rows[t] = padded.data() + t;
  for (size_t y = 0; y < ny; ++y) {
    const float* row = in + y * nx;
    std::fill(padded.begin(), padded.begin() + long(r), row[0]);
    std::copy(row, row + nx, padded.begin() + long(r));
    std::fill(padded.begin() + long(r + nx), padded.end(), row[nx - 1]);
    accumulate(k, rows.data(), nx, out + y * nx);
  }
}

// Eigenvalues of n symmetric 3x3 matrices, largest first, in float (Smith's closed form: with
// phi = acos(det(B) / 2) / 3 in [0, pi/3], q + 2p cos(phi) is the largest and
// q + 2p cos(phi + 2 pi / 3) the smallest). Three loops, the outer two vectorised by the compiler;
// only acosf and cosf are per voxel. e1..e3 double as scratch.
void symmetricEigenvalues(const float* xx, const float* yy, const float* zz, const float* xy, const float* xz,
                          const float* yz, size_t n, float* e1, float* e2, float* e3) {
  for (size_t i = 0; i < n; ++i) {
    const float q = (xx[i] + yy[i] + zz[i]) * (1.0f / 3);
    const float a = xx[i] - q, b = yy[i] - q, c = zz[i] - q;
    const float p2 = a * a + b * b + c * c + 2 * (xy[i] * xy[i] + xz[i] * xz[i] + yz[i] * yz[i]);
    const float p = std::sqrt(p2 * (1.0f / 6));
    const float ip = 1 / (p2 > 0 ? p : 1.0f);  // p = 0: all eigenvalues are q (B = 0, r = 0)
    const float ba = a * ip, bb = b * ip, bc = c * ip, bxy = xy[i] * ip, bxz = xz[i] * ip, byz = yz[i] * ip;
    const float det = ba * (bb * bc - byz * byz) - bxy * (bxy * bc - byz * bxz) + bxz * (bxy * byz - bb * bxz);
    e1[i] = q, e2[i] = p, e3[i] = std::min(std::max(0.5f * det, -1.0f), 1.0f);
  }
  for (size_t i = 0; i < n; ++i) e3[i] = std::cos(std::acos(e3[i]) * (1.0f / 3));
  for (size_t i = 0; i < n; ++i) {
    const float q = e1[i], p = e2[i], c = e3[i];
    const float s = std::sqrt(std::max(0.0f, 1 - c * c));
    const float l1 = q + 2 * p * c, l3 = q - p * (c + 1.7320508f * s);
    e1[i] = l1, e2[i] = 3 * q - l1 - l3, e3[i] = l3;
  }
}

// Columns of one channel and scale, at core slices [z0, z1); column[k] points at the first of
// columnsOf(kind) feature blocks of kind k (nullptr when not computed).
struct ScaleOutput {
  float* column[6] = {};
  size_t slabVoxels = 0;
};

struct Scratch {
  struct Slices {
    std::vector<float> zs, z1s, a, b, c, t1, t2, gx, gy, gz, g, hxx, hyy, hzz, hxy, hxz, hyz;
  } slice;
  std::array<std::vector<float>, 6> tensor;
  std::vector<float> products, padded;
  void size(size_t sliceVoxels, size_t productFloats) {
    auto& s = slice;
    for (auto* v : {&s.zs, &s.z1s, &s.a, &s.b, &s.c, &s.t1, &s.t2, &s.gx, &s.gy, &s.gz, &s.g, &s.hxx, &s.hyy, &s.hzz,
                    &s.hxy, &s.hxz, &s.hyz})
      v->resize(sliceVoxels);
    for (auto& v : tensor) v.resize(sliceVoxels);
    if (products.size() < productFloats) products.resize(productFloats);
  }
};

void computeScale(const VolumeView& v, const float* input, double sigmaMm, size_t z0, size_t z1,
                  const ScaleOutput& out, const Progress& progress) {
  using K = FeatureKind;
  auto col = [&](K k) { return out.column[int(k)]; };
  const bool st = col(K::StructureTensor), hess = col(K::Hessian) || col(K::LaplacianOfGaussian);
  const bool grad = st || col(K::GradientMagnitude);
  const size_t nx = v.size[0], ny = v.size[1], nz = v.size[2], S = v.sliceVoxels();
  const AxisKernels k = kernelsFor(sigmaMm, v.spacing, 2);
  const AxisKernels kd = kernelsFor(kDogRatio * sigmaMm, v.spacing, 0);
  const AxisKernels ko = kernelsFor(kOuterRatio * sigmaMm, v.spacing, 0);
  const double sx = v.spacing[0], sy = v.spacing[1], sz = v.spacing[2];

  // The structure tensor's outer smoothing reads gradient products this many slices beyond the slab.
  const size_t margin = st ? size_t(ko[2][0].radius) : 0;
  const size_t e0 = z0 > margin ? z0 - margin : 0, e1 = std::min(nz, z1 + margin);
  // Buffers kept per thread between calls: allocating them per slab and scale cost a page fault
  // per 4 kB touched (7 of 73 CPU s on 512x512x300).
  thread_local Scratch scratch;
  scratch.size(S, st ? 6 * (e1 - e0) * S : 0);
  auto& [zs, z1s, a, b, c, t1, t2, gx, gy, gz, g, hxx, hyy, hzz, hxy, hxz, hyz] = scratch.slice;
  auto& t = scratch.tensor;
  std::vector<float>& products = scratch.products;
  std::vector<float>& padded = scratch.padded;

  for (size_t z = e0; z < e1; ++z) {
    progress.throwIfCancelled();
    const bool core = z >= z0 && z < z1;
    const size_t at = (z - z0) * S;  // offset in the output blocks (core slices only)
    const bool needB = grad || (hess && core), needC = grad || (hess && core);
    zPass(input, nz, S, k[2][0], z, zs.data());
    yPass(zs.data(), nx, ny, k[1][0], a.data());
    if (needB) yPass(zs.data(), nx, ny, k[1][1], b.data());
    if (needC) {
      zPass(input, nz, S, k[2][1], z, z1s.data());
      yPass(z1s.data(), nx, ny, k[1][0], c.data());
    }
    if (grad) {
      xPass(a.data(), nx, ny, k[0][1], gx.data(), padded);
      xPass(b.data(), nx, ny, k[0][0], gy.data(), padded);
      xPass(c.data(), nx, ny, k[0][0], gz.data(), padded);
      for (size_t i = 0; i < S; ++i) gx[i] /= float(sx), gy[i] /= float(sy), gz[i] /= float(sz);
    }
    if (st) {
      float* p = products.data() + (z - e0) * S;
      const size_t stride = (e1 - e0) * S;
      for (size_t i = 0; i < S; ++i) {
        p[i] = gx[i] * gx[i], p[stride + i] = gy[i] * gy[i], p[2 * stride + i] = gz[i] * gz[i];
        p[3 * stride + i] = gx[i] * gy[i], p[4 * stride + i] = gx[i] * gz[i], p[5 * stride + i] = gy[i] * gz[i];
      }
    }
    if (!core) continue;
    xPass(a.data(), nx, ny, k[0][0], g.data(), padded);
    if (float* o = col(K::Gaussian)) std::copy(g.begin(), g.end(), o + at);
    if (float* o = col(K::GradientMagnitude))
      for (size_t i = 0; i < S; ++i) o[at + i] = std::sqrt(gx[i] * gx[i] + gy[i] * gy[i] + gz[i] * gz[i]);
    if (hess) {
      xPass(a.data(), nx, ny, k[0][2], hxx.data(), padded);
      yPass(zs.data(), nx, ny, k[1][2], t1.data());
      xPass(t1.data(), nx, ny, k[0][0], hyy.data(), padded);
      zPass(input, nz, S, k[2][2], z, t1.data());
      yPass(t1.data(), nx, ny, k[1][0], t2.data());
      xPass(t2.data(), nx, ny, k[0][0], hzz.data(), padded);
      xPass(b.data(), nx, ny, k[0][1], hxy.data(), padded);
      xPass(c.data(), nx, ny, k[0][1], hxz.data(), padded);
      yPass(z1s.data(), nx, ny, k[1][1], t1.data());
      xPass(t1.data(), nx, ny, k[0][0], hyz.data(), padded);
      const float fxx = float(1 / (sx * sx)), fyy = float(1 / (sy * sy)), fzz = float(1 / (sz * sz));
      const float fxy = float(1 / (sx * sy)), fxz = float(1 / (sx * sz)), fyz = float(1 / (sy * sz));
      for (size_t i = 0; i < S; ++i)
        hxx[i] *= fxx, hyy[i] *= fyy, hzz[i] *= fzz, hxy[i] *= fxy, hxz[i] *= fxz, hyz[i] *= fyz;
      if (float* o = col(K::LaplacianOfGaussian))
        for (size_t i = 0; i < S; ++i) o[at + i] = hxx[i] + hyy[i] + hzz[i];
      if (float* o = col(K::Hessian)) {
        const size_t n = out.slabVoxels;
        symmetricEigenvalues(hxx.data(), hyy.data(), hzz.data(), hxy.data(), hxz.data(), hyz.data(), S, o + at,
                             o + n + at, o + 2 * n + at);
      }
    }
    if (float* o = col(K::DifferenceOfGaussians)) {
      zPass(input, nz, S, kd[2][0], z, t1.data());
      yPass(t1.data(), nx, ny, kd[1][0], t2.data());
      xPass(t2.data(), nx, ny, kd[0][0], t1.data(), padded);
      for (size_t i = 0; i < S; ++i) o[at + i] = g[i] - t1[i];
    }
  }

  if (!st) return;
  float* o = col(K::StructureTensor);
  const size_t stride = (e1 - e0) * S, n = out.slabVoxels;
  std::vector<const float*> rows(2 * size_t(ko[2][0].radius) + 1);
  for (size_t z = z0; z < z1; ++z) {
    progress.throwIfCancelled();
    for (int m = 0; m < 6; ++m) {
      // the product volume holds slices [e0, e1), which covers every clamped index the kernel reads
      const float* volume = products.data() + m * stride;
      const Kernel& kz = ko[2][0];
      for (int d = -kz.radius; d <= kz.radius; ++d)
        rows[size_t(d + kz.radius)] = volume + (clampIndex(long(z) + d, nz) - e0) * S;
      accumulate(kz, rows.data(), S, t1.data());
      yPass(t1.data(), nx, ny, ko[1][0], t2.data());
      xPass(t2.data(), nx, ny, ko[0][0], t[m].data(), padded);
    }
    const size_t at = (z - z0) * S;
    symmetricEigenvalues(t[0].data(), t[1].data(), t[2].data(), t[3].data(), t[4].data(), t[5].data(), S, o + at,
                         o + n + at, o + 2 * n + at);
  }
}

constexpr size_t kSlabFeatureFloats = size_t(48) << 20;  // ~192 MB of features per thread at most
constexpr size_t kMaxSlabSlices = 16;
constexpr size_t kBlock = 64;  // voxels whose feature rows are gathered together (a power of 2)

size_t slabSlices(const VolumeView& v, const FeatureBank& bank) {
  const size_t perSlice = std::max<size_t>(1, v.sliceVoxels() * bank.featureCount());
  return std::clamp<size_t>(kSlabFeatureFloats / perSlice, 1, kMaxSlabSlices);
}

// A tree's nodes packed in one array, four to a cache line; leaves have left == -1. The threshold
// is the smallest float >= the model's double t: for a float x, x < it exactly when x < t.
struct PackedNode {
  float threshold;
  std::int32_t feature, left, right;
};

float floatThreshold(double t) {
  if (t > double(std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
  if (t < -double(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::max();
  float f = float(t);
  if (double(f) < t) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

std::vector<std::vector<PackedNode>> pack(const std::vector<Tree>& forest) {
  std::vector<std::vector<PackedNode>> packed;
  for (const Tree& t : forest) {
    std::vector<PackedNode> nodes(t.left.size());
    for (size_t n = 0; n < nodes.size(); ++n) nodes[n] = {floatThreshold(t.threshold[n]), t.feature[n], t.left[n], t.right[n]};
    packed.push_back(std::move(nodes));
  }
  return packed;
}

bool finiteVoxel(const VolumeView& v, size_t i) {
  for (const float* c : v.channel)
    if (!std::isfinite(c[i])) return false;
  return true;
}

}  // namespace

void slabFeatures(const VolumeView& v, const FeatureBank& bank, size_t z0, size_t z1, float* out,
                  const Progress& progress) {
  const size_t slabVoxels = (z1 - z0) * v.sliceVoxels();
  size_t column = 0;
  for (unsigned c = 0; c < bank.channels; ++c)
    for (double s : bank.scalesMm) {
      ScaleOutput o;
      o.slabVoxels = slabVoxels;
      for (FeatureKind k : bank.kinds) {
        o.column[int(k)] = out + column * slabVoxels;
        column += columnsOf(k);
      }
      computeScale(v, v.channel[c], s, z0, z1, o, progress);
    }
  if (!bank.position) return;
  float* x = out + column * slabVoxels;
  float* y = x + slabVoxels;
  float* z = y + slabVoxels;
  size_t i = 0;
  for (size_t k = z0; k < z1; ++k)
    for (size_t j = 0; j < v.size[1]; ++j)
      for (size_t l = 0; l < v.size[0]; ++l, ++i)
        x[i] = float(l * v.spacing[0]), y[i] = float(j * v.spacing[1]), z[i] = float(k * v.spacing[2]);
}


void classifyVoxels(const VoxelClassifier& model, const VolumeView& v, const std::uint8_t* mask, unsigned threads,
                    const Classification& out, const Progress& progress) {
  const FeatureBank& bank = model.bank;
  const size_t S = v.sliceVoxels(), slices = slabSlices(v, bank), F = bank.featureCount();
  const size_t C = model.classes.size(), slabs = (v.size[2] + slices - 1) / slices;
  const float treeWeight = 1.0f / float(model.forest.size());
  const auto forest = pack(model.forest);
  forEachPart(slabs, threads, [&](size_t begin, size_t end) {
    std::vector<float> features, rows(kBlock * F), p(C);
    std::vector<const float*> leaf(forest.size());
    for (size_t s = begin; s < end; ++s) {
      const size_t z0 = s * slices, z1 = std::min(v.size[2], z0 + slices), first = z0 * S, n = (z1 - z0) * S;
      bool any = false;
      for (size_t i = 0; i < n && !any; ++i) any = (!mask || mask[first + i]) && finiteVoxel(v, first + i);
      if (any) {
        features.resize(n * F);
        slabFeatures(v, bank, z0, z1, features.data(), progress);
      }
      for (size_t i0 = 0; i0 < n; i0 += kBlock) {
        if ((i0 & 0xffff) == 0) progress.throwIfCancelled();
        const size_t B = std::min(kBlock, n - i0);
        if (any)  // voxel-major rows of the block: each feature read as one contiguous run
          for (size_t f = 0; f < F; ++f)
            for (size_t b = 0; b < B; ++b) rows[b * F + f] = features[f * n + i0 + b];
        for (size_t b = 0; b < B; ++b) {
          const size_t at = first + i0 + b;
          if (!any || (mask && !mask[at]) || !finiteVoxel(v, at)) {
            out.labels[at] = 0;
            for (float* map : out.probabilities)
              if (map) map[at] = 0;
            continue;
          }
          const float* row = &rows[b * F];
          for (size_t t = 0; t < forest.size(); ++t) {
            const PackedNode* nodes = forest[t].data();
            const PackedNode* node = nodes;
            while (node->left >= 0)
              node = nodes + (row[size_t(node->feature)] < node->threshold ? node->left : node->right);
            leaf[t] = model.forest[t].leafProbabilities.data() + size_t(node->right) * C;
          }
          size_t best = 0;
          for (size_t k = 0; k < C; ++k) {
            float sum = 0;  // in tree order, in a register
            for (size_t t = 0; t < forest.size(); ++t) sum += leaf[t][k];
            p[k] = sum;
            if (sum > p[best]) best = k;
          }
          out.labels[at] = std::uint8_t(model.classes[best].label);
          for (size_t k = 0; k < out.probabilities.size() && k < C; ++k)
            if (out.probabilities[k]) out.probabilities[k][at] = p[k] * treeWeight;
        }
      }
    }
  });
}

}  // namespace medpipe::test::reference
