// medpipe's recursive Gaussian (see fast_recursive_gaussian.h).
#include "fast_recursive_gaussian.h"

#include <itkMultiThreaderBase.h>
#include <itkRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"
#include "stages/voxel_grid.h"

namespace medpipe {
namespace {

// ITK's recursive Gaussian (Deriche, RecursiveGaussianImageFilter's coefficients and borders) along
// one axis, many lines at once: the lines' voxels at one position are `lanes` contiguous floats, so
// the recursion runs across them (vectorised, in cache) instead of line by line through strided copies.
class GaussianCoefficients : public itk::RecursiveGaussianImageFilter<ImageF, ImageF> {
 public:
  using Self = GaussianCoefficients;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)
  struct Values {
    double n[4], d[4], m[4], bn[4], bm[4];
  };
  Values of(double sigma, double spacing) {
    this->SetSigma(sigma);
    this->SetOrder(itk::GaussianOrderEnum::ZeroOrder);
    this->SetNormalizeAcrossScale(false);
    this->SetUp(spacing);
    return {{m_N0, m_N1, m_N2, m_N3}, {m_D1, m_D2, m_D3, m_D4}, {m_M1, m_M2, m_M3, m_M4},
            {m_BN1, m_BN2, m_BN3, m_BN4}, {m_BM1, m_BM2, m_BM3, m_BM4}};
  }
};

// FilterDataArray of itk::RecursiveSeparableImageFilter on `lanes` lines of `length` (>= 4) at once;
// `out` may be `in`.
void gaussianLines(const float* in, float* out, size_t stride, size_t lanes, size_t length,
                   const GaussianCoefficients::Values& c, std::vector<double>& causal, std::vector<double>& anti) {
  causal.resize(length * lanes), anti.resize(length * lanes);
  const auto d = [&](size_t i, size_t l) { return double(in[i * stride + l]); };
  const auto* n = c.n;
  const auto* dd = c.d;
  const auto* m = c.m;
  double* C = causal.data();
  double* A = anti.data();
  for (size_t l = 0; l < lanes; ++l) {
    const double v = d(0, l), d1 = d(1, l), d2 = d(2, l), d3 = d(3, l);
    double* x = C + l;
    x[0] = v * n[0] + v * n[1] + v * n[2] + v * n[3];
    x[lanes] = d1 * n[0] + v * n[1] + v * n[2] + v * n[3];
    x[2 * lanes] = d2 * n[0] + d1 * n[1] + v * n[2] + v * n[3];
    x[3 * lanes] = d3 * n[0] + d2 * n[1] + d1 * n[2] + v * n[3];
    x[0] -= v * c.bn[0] + v * c.bn[1] + v * c.bn[2] + v * c.bn[3];
    x[lanes] -= x[0] * dd[0] + v * c.bn[1] + v * c.bn[2] + v * c.bn[3];
    x[2 * lanes] -= x[lanes] * dd[0] + x[0] * dd[1] + v * c.bn[2] + v * c.bn[3];
    x[3 * lanes] -= x[2 * lanes] * dd[0] + x[lanes] * dd[1] + x[0] * dd[2] + v * c.bn[3];
  }
  for (size_t i = 4; i < length; ++i) {
    double* x = C + i * lanes;
    const float* a0 = in + i * stride;
    const float* a1 = a0 - stride;
    const float* a2 = a1 - stride;
    const float* a3 = a2 - stride;
    for (size_t l = 0; l < lanes; ++l)
      x[l] = double(a0[l]) * n[0] + double(a1[l]) * n[1] + double(a2[l]) * n[2] + double(a3[l]) * n[3] -
             (x[l - lanes] * dd[0] + x[l - 2 * lanes] * dd[1] + x[l - 3 * lanes] * dd[2] + x[l - 4 * lanes] * dd[3]);
  }
  const size_t e = length - 1;
  for (size_t l = 0; l < lanes; ++l) {
    const double v = d(e, l), d1 = d(e - 1, l), d2 = d(e - 2, l);
    double* y = A + l;
    y[e * lanes] = v * m[0] + v * m[1] + v * m[2] + v * m[3];
    y[(e - 1) * lanes] = v * m[0] + v * m[1] + v * m[2] + v * m[3];
    y[(e - 2) * lanes] = d1 * m[0] + v * m[1] + v * m[2] + v * m[3];
    y[(e - 3) * lanes] = d2 * m[0] + d1 * m[1] + v * m[2] + v * m[3];
    y[e * lanes] -= v * c.bm[0] + v * c.bm[1] + v * c.bm[2] + v * c.bm[3];
    y[(e - 1) * lanes] -= y[e * lanes] * dd[0] + v * c.bm[1] + v * c.bm[2] + v * c.bm[3];
    y[(e - 2) * lanes] -= y[(e - 1) * lanes] * dd[0] + y[e * lanes] * dd[1] + v * c.bm[2] + v * c.bm[3];
    y[(e - 3) * lanes] -=
        y[(e - 2) * lanes] * dd[0] + y[(e - 1) * lanes] * dd[1] + y[e * lanes] * dd[2] + v * c.bm[3];
  }
  for (size_t i = length - 4; i > 0; --i) {
    double* y = A + (i - 1) * lanes;
    const float* a0 = in + i * stride;
    const float* a1 = a0 + stride;
    const float* a2 = a1 + stride;
    const float* a3 = a2 + stride;
    for (size_t l = 0; l < lanes; ++l)
      y[l] = double(a0[l]) * m[0] + double(a1[l]) * m[1] + double(a2[l]) * m[2] + double(a3[l]) * m[3] -
             (y[l + lanes] * dd[0] + y[l + 2 * lanes] * dd[1] + y[l + 3 * lanes] * dd[2] + y[l + 4 * lanes] * dd[3]);
  }
  for (size_t i = 0; i < length; ++i)
    for (size_t l = 0; l < lanes; ++l) out[i * stride + l] = float(C[i * lanes + l] + A[i * lanes + l]);
}

}  // namespace

ImageF::Pointer fastRecursiveGaussian(const ImageF& image, double sigma, const std::array<unsigned, Dimension>& order,
                                      const Progress& progress, const std::string& stage) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  auto out = ImageF::New();
  out->CopyInformation(&image);
  out->SetRegions(image.GetLargestPossibleRegion());
  allocateLarge(*out);
  const float* from = image.GetBufferPointer();
  float* to = out->GetBufferPointer();
  const size_t nx = size[0], ny = size[1], nz = size[2], slice = nx * ny;
  bool first = true;
  for (unsigned pass = 0; pass < Dimension; ++pass) {
    const unsigned axis = order[pass];
    if (size[axis] == 1) continue;  // a one-slice image: smoothed within the slice
    if (size[axis] < 4)
      throw Error("", stage, "needs 1 or at least 4 voxels along every axis (ITK's recursive filter), got " +
                                 formatSize(size));
    const auto c = GaussianCoefficients::New()->of(sigma, image.GetSpacing()[axis]);
    const float* src = first ? from : to;
    progress.report(double(pass) / Dimension, "smoothing");
    const size_t items = axis == 2 ? ny : nz;
    itk::MultiThreaderBase::New()->ParallelizeArray(
        0, items,
        [&](itk::SizeValueType item) {
          if (progress.cancelled()) return;
          thread_local std::vector<double> causal, anti;
          if (axis == 0) {  // rows: one line at a time
            for (size_t y = 0; y < ny; ++y) {
              const size_t row = item * slice + y * nx;
              gaussianLines(src + row, to + row, 1, 1, nx, c, causal, anti);
            }
          } else if (axis == 1) {  // a slice's columns together
            gaussianLines(src + item * slice, to + item * slice, nx, nx, ny, c, causal, anti);
          } else {  // a row's voxels through the slices together
            gaussianLines(src + item * nx, to + item * nx, slice, nx, nz, c, causal, anti);
          }
        },
        nullptr);
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    first = false;
  }
  if (first) std::copy_n(from, slice * nz, to);
  return out;
}

}  // namespace medpipe
