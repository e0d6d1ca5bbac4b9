#include "medpipe/filters/itk/FastAnisotropicDiffusionImageFilter.h"

#include <itkMultiThreaderBase.h>
#include <itkProgressReporter.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <vector>

namespace medpipe {
namespace {

constexpr double kMinNorm = 1.0e-10;  // as itk::CurvatureNDAnisotropicDiffusionFunction

// Raw access to one volume with zero-flux borders: indices outside are clamped to the edge.
struct Grid {
  long nx, ny, nz;
  const float* data;
  float at(long x, long y, long z) const {
    x = std::clamp(x, 0L, nx - 1), y = std::clamp(y, 0L, ny - 1), z = std::clamp(z, 0L, nz - 1);
    return data[(z * ny + y) * nx + x];
  }
};

// The mean over all voxels of the squared central-difference gradient (scaled by 1/spacing), as
// ScalarAnisotropicDiffusionFunction::CalculateAverageGradientMagnitudeSquared computes it.
double averageGradientMagnitudeSquared(const Grid& g, const double scale[3]) {
  std::vector<double> perSlice(static_cast<size_t>(g.nz));
  itk::MultiThreaderBase::New()->ParallelizeArray(
      0, static_cast<itk::SizeValueType>(g.nz),
      [&](itk::SizeValueType zu) {
        const long z = static_cast<long>(zu);
        double sum = 0;
        for (long y = 0; y < g.ny; ++y)
          for (long x = 0; x < g.nx; ++x) {
            const double dx = (g.at(x + 1, y, z) - g.at(x - 1, y, z)) / -2.0 * scale[0];
            const double dy = (g.at(x, y + 1, z) - g.at(x, y - 1, z)) / -2.0 * scale[1];
            const double dz = (g.at(x, y, z + 1) - g.at(x, y, z - 1)) / -2.0 * scale[2];
            sum += dx * dx + dy * dy + dz * dz;
          }
        perSlice[zu] = sum;
      },
      nullptr);
  double total = 0;
  for (double s : perSlice) total += s;
  return total / (double(g.nx) * g.ny * g.nz);
}

// ITK's update, reorganised around faces: the forward term at voxel c along axis i and the
// backward term at c + e_i are the same flux through the face between them (same differences, same
// conductance), so each face's flux is computed once and every voxel takes the difference of the
// fluxes through its two faces per axis. Rows are processed as arrays so the compiler vectorises.
// kCurvature: modified curvature diffusion (flux normalised by the gradient, update scaled by the
// upwind gradient magnitude); otherwise Perona-Malik gradient diffusion (the plain sum of fluxes).
template <bool kCurvature>
class SliceWorker {
 public:
  // The update is done in place: `below` and `above` are copies of the slices just outside the slab
  // (null at the volume's ends) taken before any slab started writing.
  SliceWorker(const Grid& g, const double scale[3], double k, double timeStep, const float* below, const float* above)
      : g_(g), k_(static_cast<float>(k)), dt_(timeStep), n_(size_t(g.nx) * g.ny), below_(below), above_(above),
        zeros_(size_t(g.nx), 0.0f) {
    for (int d = 0; d < 3; ++d) s_[d] = static_cast<float>(scale[d]);
    for (auto* b : {&cdx_, &cdy_, &cdz_, &cdxBelow_, &cdyBelow_, &cdxAbove_, &cdyAbove_, &fx_, &fy_, &fzBelow_, &fzAbove_,
                    &pending_[0], &pending_[1]})
      b->resize(n_);
  }

  // Diffuses slices [z0, z1) of the volume in place. A slice's new values wait in `pending_` until
  // the next slice is done, since computing slice z still reads the old slice z - 1.
  void run(long z0, long z1) {
    z0_ = z0, z1_ = z1;
    float* volume = const_cast<float*>(g_.data);
    centralXY(z0 - 1, cdxBelow_, cdyBelow_);
    centralXY(z0, cdx_, cdy_);
    centralZ(z0, cdz_);
    zFlux(z0 - 1, cdxBelow_, cdyBelow_, cdx_, cdy_, fzBelow_);
    for (long z = z0; z < z1; ++z) {
      centralXY(z + 1, cdxAbove_, cdyAbove_);
      zFlux(z, cdx_, cdy_, cdxAbove_, cdyAbove_, fzAbove_);
      inPlaneFluxes(z);
      update(z, pending_[z % 2].data());
      // Slide the window up one slice.
      cdx_.swap(cdxBelow_), cdy_.swap(cdyBelow_);
      cdx_.swap(cdxAbove_), cdy_.swap(cdyAbove_);
      fzBelow_.swap(fzAbove_);
      if (z + 1 < z1) centralZ(z + 1, cdz_);
      if (z > z0) std::copy(pending_[(z - 1) % 2].begin(), pending_[(z - 1) % 2].end(), volume + size_t(z - 1) * n_);
    }
    std::copy(pending_[(z1 - 1) % 2].begin(), pending_[(z1 - 1) % 2].end(), volume + size_t(z1 - 1) * n_);
  }

 private:
  // Old values of slice z (clamped to the volume): from the copies outside the slab, else in place.
  const float* slice(long z) const {
    z = std::clamp(z, 0L, g_.nz - 1);
    if (z < z0_) return below_;
    if (z >= z1_) return above_;
    return g_.data + size_t(z) * n_;
  }

  // Central differences along x and y within slice z (clamped borders), scaled by 1/spacing.
  void centralXY(long z, std::vector<float>& cx, std::vector<float>& cy) const {
    const float* v = slice(z);
    const long nx = g_.nx, ny = g_.ny;
    for (long y = 0; y < ny; ++y) {
      const float* row = v + y * nx;
      const float* up = v + std::min(y + 1, ny - 1) * nx;
      const float* down = v + std::max(y - 1, 0L) * nx;
      float* ox = cx.data() + y * nx;
      float* oy = cy.data() + y * nx;
      for (long x = 0; x < nx; ++x) oy[x] = 0.5f * (up[x] - down[x]) * s_[1];
      ox[0] = 0.5f * (row[std::min(1L, nx - 1)] - row[0]) * s_[0];
      for (long x = 1; x < nx - 1; ++x) ox[x] = 0.5f * (row[x + 1] - row[x - 1]) * s_[0];
      if (nx > 1) ox[nx - 1] = 0.5f * (row[nx - 1] - row[nx - 2]) * s_[0];
    }
  }

  void centralZ(long z, std::vector<float>& cz) const {
    const float* above = slice(z + 1);
    const float* below = slice(z - 1);
    for (size_t i = 0; i < n_; ++i) cz[i] = 0.5f * (above[i] - below[i]) * s_[2];
  }

  // Flux through the face between c and c + e_i, given the forward difference and the two cross
  // terms (sums of central differences on both sides of the face).
  float flux(float forward, float crossA, float crossB) const {
    const float gradSq = forward * forward + 0.25f * crossA * crossA + 0.25f * crossB * crossB;
    if constexpr (kCurvature) return forward / std::sqrt(float(kMinNorm) + gradSq) * std::exp(gradSq / k_);
    return forward * std::exp(gradSq / k_);
  }

  // Flux through the faces between slices z and z + 1 (zero outside the volume: zero-flux border).
  void zFlux(long z, const std::vector<float>& cxLow, const std::vector<float>& cyLow, const std::vector<float>& cxHigh,
             const std::vector<float>& cyHigh, std::vector<float>& fz) const {
    if (z < 0 || z >= g_.nz - 1) {
      std::fill(fz.begin(), fz.end(), 0.0f);
      return;
    }
    const float* low = slice(z);
    const float* high = slice(z + 1);
    for (size_t i = 0; i < n_; ++i)
      fz[i] = flux((high[i] - low[i]) * s_[2], cxLow[i] + cxHigh[i], cyLow[i] + cyHigh[i]);
  }

  // Fluxes through the x faces (c, c + e_x) and y faces (c, c + e_y) of slice z.
  void inPlaneFluxes(long z) {
    const float* v = slice(z);
    const long nx = g_.nx, ny = g_.ny;
    for (long y = 0; y < ny; ++y) {
      const size_t r = size_t(y) * nx;
      for (long x = 0; x + 1 < nx; ++x)
        fx_[r + x] = flux((v[r + x + 1] - v[r + x]) * s_[0], cdy_[r + x] + cdy_[r + x + 1], cdz_[r + x] + cdz_[r + x + 1]);
      fx_[r + nx - 1] = 0.0f;
      if (y + 1 < ny) {
        for (long x = 0; x < nx; ++x)
          fy_[r + x] = flux((v[r + nx + x] - v[r + x]) * s_[1], cdx_[r + x] + cdx_[r + nx + x], cdz_[r + x] + cdz_[r + nx + x]);
      } else {
        std::fill(fy_.begin() + r, fy_.begin() + r + nx, 0.0f);
      }
    }
  }

  // speed = sum of flux differences. Curvature diffusion scales it by the upwind gradient magnitude
  // (from the one-sided differences); gradient diffusion takes it as it is. The row's first and last
  // voxels (clamped neighbours) are done apart so the loop between them has no branch and vectorises.
  void update(long z, float* out) const {
    const float* v = slice(z);
    const float* below = slice(z - 1);
    const float* above = slice(z + 1);
    const long nx = g_.nx, ny = g_.ny;
    for (long y = 0; y < ny; ++y) {
      const size_t r = size_t(y) * nx;
      const float* row = v + r;
      const float* rowDown = v + size_t(std::max(y - 1, 0L)) * nx;
      const float* rowUp = v + size_t(std::min(y + 1, ny - 1)) * nx;
      const float* fx = fx_.data() + r;
      const float* fy = fy_.data() + r;
      const float* fyDown = y > 0 ? fy - nx : zeros_.data();
      const float* fzA = fzAbove_.data() + r;
      const float* fzB = fzBelow_.data() + r;
      const float* rowBelow = below + r;
      const float* rowAbove = above + r;
      float* o = out + r;
      // Voxel x with its x neighbours at `left` and `right` (x itself at the row's ends) and the flux
      // through its left face `fxLeft` (0 at the row's start).
      auto voxel = [&](long x, long left, long right, float fxLeft) {
        const float c = row[x];
        const float speed = (fx[x] - fxLeft) + (fy[x] - fyDown[x]) + (fzA[x] - fzB[x]);
        if constexpr (!kCurvature) {
          o[x] = static_cast<float>(c + dt_ * speed);
          return;
        }
        const float fwd[3] = {(row[right] - c) * s_[0], (rowUp[x] - c) * s_[1], (rowAbove[x] - c) * s_[2]};
        const float bwd[3] = {(c - row[left]) * s_[0], (c - rowDown[x]) * s_[1], (c - rowBelow[x]) * s_[2]};
        float propagation = 0;
        for (int d = 0; d < 3; ++d) {
          const float b = speed > 0 ? std::min(bwd[d], 0.0f) : std::max(bwd[d], 0.0f);
          const float f = speed > 0 ? std::max(fwd[d], 0.0f) : std::min(fwd[d], 0.0f);
          propagation += b * b + f * f;
        }
        o[x] = static_cast<float>(c + dt_ * (std::sqrt(propagation) * speed));
      };
      voxel(0, 0, std::min(1L, nx - 1), 0.0f);
      for (long x = 1; x < nx - 1; ++x) voxel(x, x - 1, x + 1, fx[x - 1]);
      if (nx > 1) voxel(nx - 1, nx - 2, nx - 1, fx[nx - 2]);
    }
  }

  const Grid& g_;
  float s_[3];
  float k_;
  double dt_;
  size_t n_;
  const float* below_;
  const float* above_;
  long z0_ = 0, z1_ = 0;
  std::vector<float> cdx_, cdy_, cdz_, cdxBelow_, cdyBelow_, cdxAbove_, cdyAbove_, fx_, fy_, fzBelow_, fzAbove_;
  std::vector<float> pending_[2];
  std::vector<float> zeros_;  // one row: the flux through the faces below the first row, none
};

}  // namespace

void FastAnisotropicDiffusionImageFilter::GenerateData() {
  const ImageF* input = this->GetInput();
  ImageF* output = this->AllocateWholeOutput();
  const auto size = input->GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]), nz = static_cast<long>(size[2]);
  const size_t count = size_t(nx) * ny * nz;
  double scale[3];
  for (unsigned d = 0; d < 3; ++d) scale[d] = 1.0 / input->GetSpacing()[d];

  // In place in the output buffer: besides input and output, only a few slices per slab are kept.
  float* volume = output->GetBufferPointer();
  std::copy(input->GetBufferPointer(), input->GetBufferPointer() + count, volume);
  const size_t sliceSize = size_t(nx) * ny;
  // Contiguous slabs of slices, one per work item, so each carries its z fluxes upwards.
  const long slabs = std::min<long>(nz, 4L * std::max(1u, itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads()));
  auto slabStart = [&](long slab) { return nz * slab / slabs; };
  std::vector<float> edges(2 * size_t(slabs) * sliceSize);  // old first and last slice of every slab
  itk::ProgressReporter progress(this, 0, m_NumberOfIterations);
  for (unsigned iteration = 0; iteration < m_NumberOfIterations; ++iteration) {
    const Grid grid{nx, ny, nz, volume};
    const double k = static_cast<float>(averageGradientMagnitudeSquared(grid, scale) * m_ConductanceParameter *
                                        m_ConductanceParameter * -2.0f);
    if (k == 0) {  // a constant image: no gradient anywhere, nothing diffuses (ITK sets the conductance to 0)
      progress.CompletedPixel();
      continue;
    }
    for (long slab = 0; slab < slabs; ++slab) {
      const float* first = volume + size_t(slabStart(slab)) * sliceSize;
      const float* last = volume + size_t(slabStart(slab + 1) - 1) * sliceSize;
      std::copy(first, first + sliceSize, edges.begin() + 2 * slab * sliceSize);
      std::copy(last, last + sliceSize, edges.begin() + (2 * slab + 1) * sliceSize);
    }
    itk::MultiThreaderBase::New()->ParallelizeArray(
        0, static_cast<itk::SizeValueType>(slabs),
        [&](itk::SizeValueType item) {
          const long slab = static_cast<long>(item);
          const float* below = slab > 0 ? edges.data() + (2 * (slab - 1) + 1) * sliceSize : nullptr;
          const float* above = slab + 1 < slabs ? edges.data() + 2 * (slab + 1) * sliceSize : nullptr;
          if (m_Equation == Equation::Curvature)
            SliceWorker<true>(grid, scale, k, m_TimeStep, below, above).run(slabStart(slab), slabStart(slab + 1));
          else
            SliceWorker<false>(grid, scale, k, m_TimeStep, below, above).run(slabStart(slab), slabStart(slab + 1));
        },
        nullptr);
    progress.CompletedPixel();  // one "pixel" per iteration: ProgressEvent and abort checks per iteration
  }
}

}  // namespace medpipe
