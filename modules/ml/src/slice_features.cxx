// The feature bank slice by slice (see slice_features.h). Per channel and scale, slice L's Gaussian,
// derivative, Hessian and DoG columns are computed ahead, when the structure tensor's outer smoothing
// first needs slice L's gradients (look-ahead = its z radius), and kept in a ring until slice L is asked for.
#include "slice_features.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "gaussian_passes.h"
#include "symmetric_eigenvalues.h"

namespace medpipe::ml {
namespace {

constexpr double kDogRatio = 0.66;   // ilastik's difference of Gaussians: sigma minus 0.66 sigma
constexpr double kOuterRatio = 0.5;  // ilastik's structure tensor: outer scale = sigma / 2
constexpr size_t kPadding = 32;      // floats readable past a column's end (the forest reads 32-voxel groups)
constexpr long kNone = -1;           // a ring slot holding no slice yet

// Buffers of nx floats, one per intermediate row.
enum Row { kA, kB, kC, kGx, kGy, kGz, kG, kHxx, kHyy, kHzz, kHxy, kHxz, kHyz, kT1, kT2, kRows };

}  // namespace

class SliceFeatures::Scale {
 public:
  Scale(const VolumeView& v, const float* input, double sigmaMm, const std::vector<FeatureKind>& kinds)
      : v_(v), input_(input), nx_(v.size[0]), ny_(v.size[1]), nz_(v.size[2]), S_(v.sliceVoxels()),
        k_(kernelsFor(sigmaMm, v.spacing, 2)), kd_(kernelsFor(kDogRatio * sigmaMm, v.spacing, 0)),
        ko_(kernelsFor(kOuterRatio * sigmaMm, v.spacing, 0)) {
    for (FeatureKind kind : kinds) {
      int& column = ringColumn_[int(kind)];
      if (kind == FeatureKind::StructureTensor || column >= 0) continue;
      column = ringColumns_;
      ringColumns_ += int(columnsOf(kind));
    }
    auto wanted = [&](FeatureKind kind) { return std::count(kinds.begin(), kinds.end(), kind) > 0; };
    st_ = wanted(FeatureKind::StructureTensor);
    hess_ = wanted(FeatureKind::Hessian) || wanted(FeatureKind::LaplacianOfGaussian);
    grad_ = st_ || wanted(FeatureKind::GradientMagnitude);
    dog_ = wanted(FeatureKind::DifferenceOfGaussians);
    lookAhead_ = st_ ? size_t(ko_[2][0].radius) : 0;
    ringDepth_ = lookAhead_ + 1;
    gradientDepth_ = st_ ? 2 * lookAhead_ + 1 : 0;
    ring_.resize(ringDepth_ * size_t(ringColumns_) * S_ + kPadding);
    ringSlice_.assign(ringDepth_, kNone);
    gradients_.resize(gradientDepth_ * 3 * S_);
    gradientSlice_.assign(gradientDepth_, kNone);
    if (st_) {
      tensor_.resize(3 * S_ + kPadding);
      for (auto& p : products_) p.resize(S_);
    }
    for (auto& s : slices_) s.resize(S_);
    rows_.resize(kRows * nx_);
  }

  // Computes what slice z's columns need that is not kept from earlier slices.
  void prepare(size_t z, const Progress& progress) {
    if (st_)
      for (size_t l = z > lookAhead_ ? z - lookAhead_ : 0; l < z; ++l)
        if (gradientSlice_[l % gradientDepth_] != long(l)) computeSlice(l, true, progress);
    for (size_t l = z; l <= std::min(nz_ - 1, z + lookAhead_); ++l)
      if (ringSlice_[l % ringDepth_] != long(l)) computeSlice(l, false, progress);
    if (st_) structureTensor(z, progress);
    current_ = z;
  }

  // Column e of `kind` of the slice last prepared.
  const float* column(FeatureKind kind, unsigned e) const {
    if (kind == FeatureKind::StructureTensor) return tensor_.data() + e * S_;
    return ringData(current_, ringColumn_[int(kind)] + int(e));
  }

 private:
  float* ringData(size_t z, int column) { return ring_.data() + ((z % ringDepth_) * size_t(ringColumns_) + size_t(column)) * S_; }
  const float* ringData(size_t z, int column) const {
    return ring_.data() + ((z % ringDepth_) * size_t(ringColumns_) + size_t(column)) * S_;
  }
  float* wantedColumn(FeatureKind kind, size_t z, int e = 0) {
    return ringColumn_[int(kind)] >= 0 ? ringData(z, ringColumn_[int(kind)] + e) : nullptr;
  }
  float* gradient(size_t z, int axis) { return gradients_.data() + ((z % gradientDepth_) * 3 + size_t(axis)) * S_; }
  float* row(Row r) { return rows_.data() + r * nx_; }

  // Slice l's gradients (into the ring, when the structure tensor needs them) and, unless
  // gradientsOnly, its other columns: the z passes for the whole slice, then row by row.
  void computeSlice(size_t l, bool gradientsOnly, const Progress& progress) {
    progress.throwIfCancelled();
    const bool full = !gradientsOnly, hess = full && hess_, dog = full && dog_;
    float *zs = slices_[0].data(), *z1s = slices_[1].data(), *z2s = slices_[2].data(), *zds = slices_[3].data();
    std::array<const Kernel*, 4> kernels{&k_[2][0]};
    std::array<float*, 4> outs{zs};
    size_t count = 1;
    if (grad_ || hess) kernels[count] = &k_[2][1], outs[count++] = z1s;
    if (hess) kernels[count] = &k_[2][2], outs[count++] = z2s;
    if (dog) kernels[count] = &kd_[2][0], outs[count++] = zds;
    zPasses(input_, nz_, S_, l, kernels.data(), outs.data(), count);

    const float sx = float(v_.spacing[0]), sy = float(v_.spacing[1]), sz = float(v_.spacing[2]);
    const double dx = v_.spacing[0], dy = v_.spacing[1], dz = v_.spacing[2];
    const float fxx = float(1 / (dx * dx)), fyy = float(1 / (dy * dy)), fzz = float(1 / (dz * dz));
    const float fxy = float(1 / (dx * dy)), fxz = float(1 / (dx * dz)), fyz = float(1 / (dy * dz));
    float *a = row(kA), *b = row(kB), *c = row(kC), *t1 = row(kT1), *t2 = row(kT2);
    std::vector<float>& pad = padded_;
    const size_t nx = nx_, ny = ny_;
    for (size_t y = 0; y < ny; ++y) {
      const size_t at = y * nx;
      yRow(zs, nx, ny, k_[1][0], y, a);
      if (grad_ || hess) yRow(zs, nx, ny, k_[1][1], y, b), yRow(z1s, nx, ny, k_[1][0], y, c);
      float* gx = st_ ? gradient(l, 0) + at : row(kGx);
      float* gy = st_ ? gradient(l, 1) + at : row(kGy);
      float* gz = st_ ? gradient(l, 2) + at : row(kGz);
      if (grad_) {
        xRow(a, nx, k_[0][1], gx, pad), xRow(b, nx, k_[0][0], gy, pad), xRow(c, nx, k_[0][0], gz, pad);
        for (size_t i = 0; i < nx; ++i) gx[i] /= sx, gy[i] /= sy, gz[i] /= sz;
      }
      if (gradientsOnly) continue;
      float* g = wantedColumn(FeatureKind::Gaussian, l);
      g = g ? g + at : row(kG);
      xRow(a, nx, k_[0][0], g, pad);
      if (float* o = wantedColumn(FeatureKind::GradientMagnitude, l))
        for (size_t i = 0; i < nx; ++i) o[at + i] = std::sqrt(gx[i] * gx[i] + gy[i] * gy[i] + gz[i] * gz[i]);
      if (hess) {
        float *hxx = row(kHxx), *hyy = row(kHyy), *hzz = row(kHzz), *hxy = row(kHxy), *hxz = row(kHxz), *hyz = row(kHyz);
        xRow(a, nx, k_[0][2], hxx, pad);
        yRow(zs, nx, ny, k_[1][2], y, t1), xRow(t1, nx, k_[0][0], hyy, pad);
        yRow(z2s, nx, ny, k_[1][0], y, t1), xRow(t1, nx, k_[0][0], hzz, pad);
        xRow(b, nx, k_[0][1], hxy, pad), xRow(c, nx, k_[0][1], hxz, pad);
        yRow(z1s, nx, ny, k_[1][1], y, t1), xRow(t1, nx, k_[0][0], hyz, pad);
        for (size_t i = 0; i < nx; ++i)
          hxx[i] *= fxx, hyy[i] *= fyy, hzz[i] *= fzz, hxy[i] *= fxy, hxz[i] *= fxz, hyz[i] *= fyz;
        if (float* o = wantedColumn(FeatureKind::LaplacianOfGaussian, l))
          for (size_t i = 0; i < nx; ++i) o[at + i] = hxx[i] + hyy[i] + hzz[i];
        if (float* o = wantedColumn(FeatureKind::Hessian, l))
          symmetricEigenvalues(hxx, hyy, hzz, hxy, hxz, hyz, nx, o + at, wantedColumn(FeatureKind::Hessian, l, 1) + at,
                               wantedColumn(FeatureKind::Hessian, l, 2) + at);
      }
      if (float* o = wantedColumn(FeatureKind::DifferenceOfGaussians, l)) {
        yRow(zds, nx, ny, kd_[1][0], y, t1), xRow(t1, nx, kd_[0][0], t2, pad);
        for (size_t i = 0; i < nx; ++i) o[at + i] = g[i] - t2[i];
      }
    }
    if (st_) gradientSlice_[l % gradientDepth_] = long(l);
    if (full) ringSlice_[l % ringDepth_] = long(l);
  }

  // Slice z's structure tensor from the kept gradients: the outer smoothing's z pass over their
  // products (chunk by chunk), its y and x passes row by row, the eigenvalues.
  void structureTensor(size_t z, const Progress& progress) {
    progress.throwIfCancelled();
    static constexpr int kPairs[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};  // xx yy zz xy xz yz
    const Kernel& kz = ko_[2][0];
    const size_t taps = 2 * size_t(kz.radius) + 1;
    std::array<std::vector<const float*>, 3> axis;  // gradient slices z - r .. z + r, clamped
    for (int a = 0; a < 3; ++a)
      for (size_t d = 0; d < taps; ++d)
        axis[a].push_back(gradient(clampIndex(long(z + d) - kz.radius, nz_), a));
    std::vector<const float*> u(taps), v(taps);
    constexpr size_t kChunk = 2048;
    for (size_t begin = 0; begin < S_; begin += kChunk) {
      const size_t n = std::min(kChunk, S_ - begin);
      for (int m = 0; m < 6; ++m) {
        for (size_t d = 0; d < taps; ++d) u[d] = axis[kPairs[m][0]][d] + begin, v[d] = axis[kPairs[m][1]][d] + begin;
        accumulateProducts(kz, u.data(), v.data(), n, products_[size_t(m)].data() + begin);
      }
    }
    const size_t nx = nx_, ny = ny_;
    float* t[6] = {row(kA), row(kB), row(kC), row(kGx), row(kGy), row(kGz)};
    for (size_t y = 0; y < ny; ++y) {
      for (int m = 0; m < 6; ++m) {
        yRow(products_[size_t(m)].data(), nx, ny, ko_[1][0], y, row(kT1));
        xRow(row(kT1), nx, ko_[0][0], t[m], padded_);
      }
      const size_t at = y * nx;
      symmetricEigenvalues(t[0], t[1], t[2], t[3], t[4], t[5], nx, tensor_.data() + at, tensor_.data() + S_ + at,
                           tensor_.data() + 2 * S_ + at);
    }
  }

  const VolumeView& v_;
  const float* input_;
  size_t nx_, ny_, nz_, S_;
  AxisKernels k_, kd_, ko_;
  bool st_ = false, hess_ = false, grad_ = false, dog_ = false;
  size_t lookAhead_ = 0, ringDepth_ = 1, gradientDepth_ = 0, current_ = 0;
  std::array<int, 6> ringColumn_{-1, -1, -1, -1, -1, -1};  // first ring column of each kind; -1: not wanted
  int ringColumns_ = 0;
  std::vector<float> ring_, gradients_, tensor_;  // ring_: [slot][column][voxel]; gradients_: [slot][axis][voxel]
  std::vector<long> ringSlice_, gradientSlice_;   // the slice each slot holds
  std::array<std::vector<float>, 4> slices_;      // z passes of the slice being computed
  std::array<std::vector<float>, 6> products_;    // the structure tensor's z pass
  std::vector<float> rows_, padded_;
};

SliceFeatures::SliceFeatures(const VolumeView& volume, const FeatureBank& bank) : volume_(volume), bank_(bank) {
  for (unsigned c = 0; c < bank_.channels; ++c)
    for (double s : bank_.scalesMm) scales_.push_back(std::make_unique<Scale>(volume_, volume_.channel[c], s, bank_.kinds));
  const size_t S = volume_.sliceVoxels();
  if (bank_.position) {
    position_.resize(3 * S + kPadding);
    for (size_t j = 0, i = 0; j < volume_.size[1]; ++j)
      for (size_t l = 0; l < volume_.size[0]; ++l, ++i)
        position_[i] = float(l * volume_.spacing[0]), position_[S + i] = float(j * volume_.spacing[1]);
  }
}

SliceFeatures::~SliceFeatures() = default;

const std::vector<const float*>& SliceFeatures::columns(size_t z, const Progress& progress) {
  columns_.clear();
  for (const auto& scale : scales_) {
    scale->prepare(z, progress);
    for (FeatureKind kind : bank_.kinds)
      for (unsigned e = 0; e < columnsOf(kind); ++e) columns_.push_back(scale->column(kind, e));
  }
  if (bank_.position) {
    const size_t S = volume_.sliceVoxels();
    std::fill(position_.begin() + long(2 * S), position_.begin() + long(3 * S), float(z * volume_.spacing[2]));
    for (size_t a = 0; a < 3; ++a) columns_.push_back(position_.data() + a * S);
  }
  return columns_;
}

}  // namespace medpipe::ml
