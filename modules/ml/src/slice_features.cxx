// The feature bank slice by slice (see slice_features.h). Per channel and scale, slice L's Gaussian,
// derivative, Hessian and DoG columns are computed ahead, when the structure tensor's outer smoothing
// first needs slice L's gradients (look-ahead = its z radius, + 1 as tensors come two slices at a
// time), and kept in a ring until slice L is asked for. A slice's three gradients are kept for every
// tensor that reaches the slice; the tensor's z pass forms their six products per tap, in registers
// (kept as six slices of products, they were twice the memory and its reads the pass's bottleneck):
// the same float products, so the same sums.
#include "slice_features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "gaussian_passes.h"
#include "medpipe/core/parallel.h"
#include "symmetric_eigenvalues.h"

namespace medpipe::ml {
namespace {

constexpr double kDogRatio = 0.66;   // ilastik's difference of Gaussians: sigma minus 0.66 sigma
constexpr double kOuterRatio = 0.5;  // ilastik's structure tensor: outer scale = sigma / 2
constexpr size_t kPadding = 64;      // floats readable past a column's end (the forest reads 64-voxel groups)
constexpr long kNone = -1;           // a ring slot holding no slice yet
constexpr size_t kTensorSlices = 2;  // structure tensors computed together: their gradient rows read while in cache

// Buffers of nx floats, one per intermediate row.
enum Row { kA, kB, kC, kGx, kGy, kGz, kG, kHxx, kHyy, kHzz, kHxy, kHxz, kHyz, kYyy, kYzz, kYyz, kYd, kT1, kT2, kRows };

// The intermediate rows of one thread's part of a slice.
struct RowScratch {
  explicit RowScratch(size_t nx) : nx(nx), rows(kRows * nx) {}
  float* row(Row r) { return rows.data() + r * nx; }
  size_t nx;
  std::vector<float> rows, padded;
};

}  // namespace

// What a scale needs only while it computes a slice (its z passes, the structure tensor's z passes
// of products): one set for all scales, which compute one after the other (a set per scale was 16
// slices of memory each).
struct SliceFeatures::Scratch {
  std::array<std::vector<float>, 4> slices;  // z passes of the slice being computed
  std::vector<float> products;               // the structure tensor's z passes: [slice][component][voxel]
};

class SliceFeatures::Scale {
 public:
  Scale(const VolumeView& v, const float* input, double sigmaMm, const std::vector<FeatureKind>& kinds, unsigned threads,
        Scratch& scratch)
      : v_(v), input_(input), scratch_(scratch), nx_(v.size[0]), ny_(v.size[1]), nz_(v.size[2]), S_(v.sliceVoxels()),
        threads_(threads),
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
    reach_ = st_ ? size_t(ko_[2][0].radius) : 0;
    lookAhead_ = st_ ? reach_ + kTensorSlices - 1 : 0;
    ringDepth_ = lookAhead_ + 1;
    gradientDepth_ = st_ ? 2 * reach_ + kTensorSlices : 0;
    ring_.resize(ringDepth_ * size_t(ringColumns_) * S_ + kPadding);
    ringSlice_.assign(ringDepth_, kNone);
    gradients_.resize(gradientDepth_ * 3 * S_);
    gradientSlice_.assign(gradientDepth_, kNone);
    if (st_) {
      tensor_.resize(kTensorSlices * 3 * S_ + kPadding);
      scratch_.products.resize(std::max(scratch_.products.size(), kTensorSlices * 6 * S_));
    }
    for (auto& s : scratch_.slices) s.resize(S_);
  }

  // Computes what slice z's columns need that is not kept from earlier slices.
  void prepare(size_t z, const Progress& progress) {
    if (st_)
      for (size_t l = z > reach_ ? z - reach_ : 0; l < z; ++l)
        if (gradientSlice_[l % gradientDepth_] != long(l)) computeSlice(l, true, progress);
    for (size_t l = z; l <= std::min(nz_ - 1, z + lookAhead_); ++l)
      if (ringSlice_[l % ringDepth_] != long(l)) computeSlice(l, false, progress);
    if (st_ && (tensorFirst_ == kNone || z < size_t(tensorFirst_) || z >= size_t(tensorFirst_) + tensorCount_))
      structureTensor(z, std::min(kTensorSlices, nz_ - z), progress);
    current_ = z;
  }

  // Column e of `kind` of the slice last prepared.
  const float* column(FeatureKind kind, unsigned e) const {
    if (kind == FeatureKind::StructureTensor) return tensor_.data() + ((current_ - size_t(tensorFirst_)) * 3 + e) * S_;
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
  // Slice z's gradient along axis a (x, y, z), kept for the structure tensor.
  float* gradient(size_t z, size_t a) { return gradients_.data() + ((z % gradientDepth_) * 3 + a) * S_; }
  // work(begin, end) on parts of [0, count), one part per thread (a slice's rows or chunks).
  void split(size_t count, const std::function<void(size_t, size_t)>& work) const { forEachPart(count, threads_, work); }

  // Slice l's gradients (into the ring, when the structure tensor needs them) and, unless
  // gradientsOnly, its other columns: the z passes for the whole slice, then row by row.
  void computeSlice(size_t l, bool gradientsOnly, const Progress& progress) {
    progress.throwIfCancelled();
    const bool full = !gradientsOnly, hess = full && hess_, dog = full && dog_;
    auto& slices = scratch_.slices;
    float *zs = slices[0].data(), *z1s = slices[1].data(), *z2s = slices[2].data(), *zds = slices[3].data();
    std::array<const Kernel*, 4> kernels{&k_[2][0]};
    std::array<float*, 4> outs{zs};
    size_t count = 1;
    if (grad_ || hess) kernels[count] = &k_[2][1], outs[count++] = z1s;
    if (hess) kernels[count] = &k_[2][2], outs[count++] = z2s;
    if (dog) kernels[count] = &kd_[2][0], outs[count++] = zds;
    split((S_ + kZPassChunkVoxels - 1) / kZPassChunkVoxels, [&](size_t c0, size_t c1) {
      zPasses(input_, nz_, S_, l, kernels.data(), outs.data(), count, c0 * kZPassChunkVoxels,
              std::min(S_, c1 * kZPassChunkVoxels));
    });

    const float sx = float(v_.spacing[0]), sy = float(v_.spacing[1]), sz = float(v_.spacing[2]);
    const double dx = v_.spacing[0], dy = v_.spacing[1], dz = v_.spacing[2];
    const float fxx = float(1 / (dx * dx)), fyy = float(1 / (dy * dy)), fzz = float(1 / (dz * dz));
    const float fxy = float(1 / (dx * dy)), fxz = float(1 / (dx * dz)), fyz = float(1 / (dy * dz));
    const size_t nx = nx_, ny = ny_;
    // Passes that read the same rows run together (gaussian_passes.h: the same sums as one by one).
    struct Passes {
      std::array<const Kernel*, 4> kernels;
      std::array<float*, 4> outs;
      size_t count = 0;
      void add(const Kernel& k, float* out) { kernels[count] = &k, outs[count++] = out; }
    };
    split(ny, [&](size_t y0, size_t y1) {
      RowScratch scratch(nx);
      const auto row = [&](Row r) { return scratch.row(r); };
      float *a = row(kA), *b = row(kB), *c = row(kC), *t2 = row(kT2);
      float *hxx = row(kHxx), *hyy = row(kHyy), *hzz = row(kHzz), *hxy = row(kHxy), *hxz = row(kHxz), *hyz = row(kHyz);
      float *yyy = row(kYyy), *yzz = row(kYzz), *yyz = row(kYyz), *yd = row(kYd);
      std::vector<float>& pad = scratch.padded;
      for (size_t y = y0; y < y1; ++y) {
        const size_t at = y * nx;
        float *gx = st_ ? gradient(l, 0) + at : row(kGx), *gy = st_ ? gradient(l, 1) + at : row(kGy);
        float* gz = st_ ? gradient(l, 2) + at : row(kGz);
        float* g = full ? wantedColumn(FeatureKind::Gaussian, l) : nullptr;
        g = g ? g + at : row(kG);
        Passes ofZs, ofZ1s, ofA, ofB, ofC;
        ofZs.add(k_[1][0], a);
        if (grad_ || hess) ofZs.add(k_[1][1], b), ofZ1s.add(k_[1][0], c);
        if (hess) ofZs.add(k_[1][2], yyy), ofZ1s.add(k_[1][1], yyz);
        yRows(zs, nx, ny, ofZs.kernels.data(), ofZs.count, y, ofZs.outs.data());
        if (ofZ1s.count) yRows(z1s, nx, ny, ofZ1s.kernels.data(), ofZ1s.count, y, ofZ1s.outs.data());
        if (grad_) ofA.add(k_[0][1], gx), ofB.add(k_[0][0], gy), ofC.add(k_[0][0], gz);
        if (full) ofA.add(k_[0][0], g);
        if (hess) ofA.add(k_[0][2], hxx), ofB.add(k_[0][1], hxy), ofC.add(k_[0][1], hxz);
        if (ofA.count) xRows(a, nx, ofA.kernels.data(), ofA.count, ofA.outs.data(), pad);
        if (ofB.count) xRows(b, nx, ofB.kernels.data(), ofB.count, ofB.outs.data(), pad);
        if (ofC.count) xRows(c, nx, ofC.kernels.data(), ofC.count, ofC.outs.data(), pad);
        if (grad_)
          for (size_t i = 0; i < nx; ++i) gx[i] /= sx, gy[i] /= sy, gz[i] /= sz;
        if (gradientsOnly) continue;
        if (float* o = wantedColumn(FeatureKind::GradientMagnitude, l))
          for (size_t i = 0; i < nx; ++i) o[at + i] = std::sqrt(gx[i] * gx[i] + gy[i] * gy[i] + gz[i] * gz[i]);
        if (hess) {
          yRow(z2s, nx, ny, k_[1][0], y, yzz);
          xRow(yyy, nx, k_[0][0], hyy, pad), xRow(yzz, nx, k_[0][0], hzz, pad), xRow(yyz, nx, k_[0][0], hyz, pad);
          for (size_t i = 0; i < nx; ++i)
            hxx[i] *= fxx, hyy[i] *= fyy, hzz[i] *= fzz, hxy[i] *= fxy, hxz[i] *= fxz, hyz[i] *= fyz;
          if (float* o = wantedColumn(FeatureKind::LaplacianOfGaussian, l))
            for (size_t i = 0; i < nx; ++i) o[at + i] = hxx[i] + hyy[i] + hzz[i];
          if (float* o = wantedColumn(FeatureKind::Hessian, l))
            symmetricEigenvalues(hxx, hyy, hzz, hxy, hxz, hyz, nx, o + at, wantedColumn(FeatureKind::Hessian, l, 1) + at,
                                 wantedColumn(FeatureKind::Hessian, l, 2) + at);
        }
        if (float* o = wantedColumn(FeatureKind::DifferenceOfGaussians, l)) {
          yRow(zds, nx, ny, kd_[1][0], y, yd), xRow(yd, nx, kd_[0][0], t2, pad);
          for (size_t i = 0; i < nx; ++i) o[at + i] = g[i] - t2[i];
        }
      }
    });
    if (st_) gradientSlice_[l % gradientDepth_] = long(l);
    if (full) ringSlice_[l % ringDepth_] = long(l);
  }

  // The structure tensors of slices [z, z + count) from the kept gradients: the outer smoothing's z
  // passes of their products (chunk by chunk, the count slices' rows then in cache), its y and x
  // passes row by row, the eigenvalues.
  void structureTensor(size_t z, size_t count, const Progress& progress) {
    progress.throwIfCancelled();
    const Kernel& kz = ko_[2][0];
    const size_t taps = 2 * size_t(kz.radius) + 1;
    std::vector<const float*> slices[kTensorSlices][3];  // gradient a of slices z + b - r .. z + b + r, clamped
    for (size_t b = 0; b < count; ++b)
      for (size_t a = 0; a < 3; ++a)
        for (size_t d = 0; d < taps; ++d) slices[b][a].push_back(gradient(clampIndex(long(z + b + d) - kz.radius, nz_), a));
    constexpr size_t kChunk = 1024;
    split((S_ + kChunk - 1) / kChunk, [&](size_t c0, size_t c1) {
      std::vector<const float*> rows[3];
      for (auto& r : rows) r.resize(taps);
      for (size_t begin = c0 * kChunk; begin < std::min(S_, c1 * kChunk); begin += kChunk) {
        const size_t n = std::min(kChunk, S_ - begin);
        for (size_t b = 0; b < count; ++b) {
          for (size_t a = 0; a < 3; ++a)
            for (size_t d = 0; d < taps; ++d) rows[a][d] = slices[b][a][d] + begin;
          const float* const* gradients[3] = {rows[0].data(), rows[1].data(), rows[2].data()};
          float* outs[6];
          for (int m = 0; m < 6; ++m) outs[m] = products(b, m) + begin;
          accumulateProducts(kz, gradients, n, outs);
        }
      }
    });
    const size_t nx = nx_, ny = ny_;
    split(ny, [&](size_t y0, size_t y1) {
      RowScratch scratch(nx);
      float* t[6] = {scratch.row(kA), scratch.row(kB), scratch.row(kC), scratch.row(kGx), scratch.row(kGy), scratch.row(kGz)};
      for (size_t b = 0; b < count; ++b) {
        float* out = tensor_.data() + b * 3 * S_;
        for (size_t y = y0; y < y1; ++y) {
          for (int m = 0; m < 6; ++m) {
            yRow(products(b, m), nx, ny, ko_[1][0], y, scratch.row(kT1));
            xRow(scratch.row(kT1), nx, ko_[0][0], t[m], scratch.padded);
          }
          const size_t at = y * nx;
          symmetricEigenvalues(t[0], t[1], t[2], t[3], t[4], t[5], nx, out + at, out + S_ + at, out + 2 * S_ + at);
        }
      }
    });
    tensorFirst_ = long(z), tensorCount_ = count;
  }
  float* products(size_t b, int m) { return scratch_.products.data() + (b * 6 + size_t(m)) * S_; }

  const VolumeView& v_;
  const float* input_;
  Scratch& scratch_;
  size_t nx_, ny_, nz_, S_;
  unsigned threads_;  // each slice's work is split over them
  AxisKernels k_, kd_, ko_;
  bool st_ = false, hess_ = false, grad_ = false, dog_ = false;
  size_t reach_ = 0, lookAhead_ = 0, ringDepth_ = 1, gradientDepth_ = 0, current_ = 0;
  long tensorFirst_ = kNone;  // tensor_ holds slices [tensorFirst_, tensorFirst_ + tensorCount_)
  size_t tensorCount_ = 0;
  std::array<int, 6> ringColumn_{-1, -1, -1, -1, -1, -1};  // first ring column of each kind; -1: not wanted
  int ringColumns_ = 0;
  std::vector<float> ring_, gradients_, tensor_;  // ring_: [slot][column][voxel]; gradients_: [slot][axis][voxel]
  std::vector<long> ringSlice_, gradientSlice_;   // the slice each slot holds
};

SliceFeatures::SliceFeatures(const VolumeView& volume, const FeatureBank& bank, unsigned threads)
    : volume_(volume), bank_(bank), scratch_(std::make_unique<Scratch>()) {
  for (unsigned c = 0; c < bank_.channels; ++c)
    for (double s : bank_.scalesMm)
      scales_.push_back(std::make_unique<Scale>(volume_, volume_.channel[c], s, bank_.kinds, std::max(1u, threads), *scratch_));
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
