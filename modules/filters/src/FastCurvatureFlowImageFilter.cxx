#include "medpipe/filters/itk/FastCurvatureFlowImageFilter.h"

#include <itkMath.h>
#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

// Every expression below mirrors one of itk::CurvatureFlowFunction::ComputeUpdate,
// itk::MinMaxCurvatureFlowFunction (ComputeUpdate, ComputeThreshold for 3D, the sphere stencil)
// and DenseFiniteDifferenceImageFilter::ThreadedApplyUpdate, in the same order and precision:
// differences of neighbours in float (ITK's PixelType), derivatives and the update in double
// (PixelRealType), the update stored as float. That is what makes the voxels identical.

namespace medpipe {
namespace {

// The (2R+1)^2 rows of a voxel's neighbourhood (rows[(dz + R) * (2R + 1) + dy + R], y and z clamped
// to the volume: zero-flux borders) and the x clamp, off in the interior of a row.
// kR > 0 fixes the radius at compile time, so the row of every neighbour is known in the loop over x.
template <long kR>
struct Rows {
  const float* const* rows;
  long R, nx;
  template <bool kClampX>
  float at(long x, long dx, long dy, long dz) const {
    const long r = kR > 0 ? kR : R;
    long xi = x + dx;
    if (kClampX) xi = std::clamp(xi, 0L, nx - 1);
    return rows[(dz + r) * (2 * r + 1) + dy + r][xi];
  }
};

// itk::CurvatureFlowFunction::ComputeUpdate at x; s = scale coefficients / neighbourhood radius.
template <bool kClampX, typename Neighbourhood>
inline float curvatureUpdate(const Neighbourhood& n, long x, const double s[3]) {
  auto P = [&](long dx, long dy, long dz) { return n.template at<kClampX>(x, dx, dy, dz); };
  const float c = P(0, 0, 0);
  const float plus[3] = {P(1, 0, 0), P(0, 1, 0), P(0, 0, 1)};
  const float minus[3] = {P(-1, 0, 0), P(0, -1, 0), P(0, 0, -1)};
  double first[3], second[3];
  double magnitudeSqr = 0.0;
  for (int i = 0; i < 3; ++i) {
    first[i] = 0.5 * (plus[i] - minus[i]) * s[i];
    second[i] = (plus[i] - 2 * c + minus[i]) * (s[i] * s[i]);
    magnitudeSqr += first[i] * first[i];
  }
  // Cross derivatives: (centre - e_i - e_j) - (- e_i + e_j) - (+ e_i - e_j) + (+ e_i + e_j).
  const double cross01 = 0.25 * (P(-1, -1, 0) - P(-1, 1, 0) - P(1, -1, 0) + P(1, 1, 0)) * s[0] * s[1];
  const double cross02 = 0.25 * (P(-1, 0, -1) - P(-1, 0, 1) - P(1, 0, -1) + P(1, 0, 1)) * s[0] * s[2];
  const double cross12 = 0.25 * (P(0, -1, -1) - P(0, -1, 1) - P(0, 1, -1) + P(0, 1, 1)) * s[1] * s[2];
  if (magnitudeSqr < 1e-9) return 0.0f;
  double update = 0.0;
  for (int i = 0; i < 3; ++i) {
    double temp = 0.0;
    for (int j = 0; j < 3; ++j)
      if (j != i) temp += second[j];
    update += temp * (first[i] * first[i]);
  }
  update -= 2 * first[0] * first[1] * cross01;
  update -= 2 * first[0] * first[2] * cross02;
  update -= 2 * first[1] * first[2] * cross12;
  update /= magnitudeSqr;
  return static_cast<float>(update);
}

// A value v = r +- something that ITK rounds (half up) is far enough from a rounding boundary for
// the trigonometry-free formulas below to round it the same way as ITK's acos/atan/cos/sin.
inline bool clearOfHalf(double v) { return std::abs(v - std::floor(v) - 0.5) > 1e-7; }

// MinMaxCurvatureFlowFunction::ComputeThreshold (3D): the mean of 4 voxels on a circle of radius r
// perpendicular to the gradient.
template <bool kClampX, typename Neighbourhood>
float minMaxThreshold(const Neighbourhood& n, long x, long r, const double coefficients[3]) {
  auto P = [&](long dx, long dy, long dz) { return n.template at<kClampX>(x, dx, dy, dz); };
  float threshold = 0.0f;
  double g[3];
  g[0] = 0.5 * (P(1, 0, 0) - P(-1, 0, 0));
  g[0] *= coefficients[0];
  double magnitude = g[0] * g[0];
  g[1] = 0.5 * (P(0, 1, 0) - P(0, -1, 0));
  g[1] *= coefficients[1];
  magnitude += g[1] * g[1];
  g[2] = 0.5 * (P(0, 0, 1) - P(0, 0, -1));
  g[2] *= coefficients[2];
  magnitude += g[2] * g[2];
  if (magnitude == 0.0) return threshold;
  magnitude = std::sqrt(magnitude) / static_cast<float>(r);
  for (double& v : g) v /= magnitude;
  g[2] = std::clamp(g[2], -1.0, 1.0);
  const bool phiIsRightAngle = itk::Math::AlmostEquals(g[0], 0.0f);
  const double radius = static_cast<double>(static_cast<itk::SizeValueType>(r));

  // cos/sin of theta = acos(g2) and phi = atan(g1 / g0) without trigonometry (the slow part of
  // ITK's loop); where a rounded position could come out differently, ITK's own formulas decide.
  double cosTheta = g[2], sinTheta = std::sqrt(std::max(0.0, 1 - g[2] * g[2])), cosPhi, sinPhi;
  if (phiIsRightAngle) {
    cosPhi = std::cos(itk::Math::pi * 0.5), sinPhi = std::sin(itk::Math::pi * 0.5);
  } else {
    const double t = g[1] / g[0];
    cosPhi = 1 / std::sqrt(1 + t * t), sinPhi = t * cosPhi;
  }
  auto positions = [&](long p[4][3]) {
    const double rSinTheta = radius * sinTheta, rCosThetaCosPhi = radius * cosTheta * cosPhi;
    const double rCosThetaSinPhi = radius * cosTheta * sinPhi, rSinPhi = radius * sinPhi, rCosPhi = radius * cosPhi;
    const double v[4][3] = {{radius + rCosThetaCosPhi, radius + rCosThetaSinPhi, radius - rSinTheta},
                            {radius - rSinPhi, radius + rCosPhi, radius},
                            {radius - rCosThetaCosPhi, radius - rCosThetaSinPhi, radius + rSinTheta},
                            {radius + rSinPhi, radius - rCosPhi, radius}};
    bool clear = true;
    for (int k = 0; k < 4; ++k)
      for (int d = 0; d < 3; ++d) {
        clear = clear && (d == 2 && (k == 1 || k == 3) ? true : clearOfHalf(v[k][d]));
        p[k][d] = d == 2 && (k == 1 || k == 3) ? r : long(itk::Math::Round<itk::SizeValueType>(v[k][d]));
      }
    return clear;
  };
  long p[4][3];
  if (!positions(p)) {  // ITK's exact path
    const double theta = std::acos(g[2]);
    const double phi = phiIsRightAngle ? itk::Math::pi * 0.5 : std::atan(g[1] / g[0]);
    cosTheta = std::cos(theta), sinTheta = std::sin(theta), cosPhi = std::cos(phi), sinPhi = std::sin(phi);
    positions(p);
  }
  for (int k = 0; k < 4; ++k) threshold += P(p[k][0] - r, p[k][1] - r, p[k][2] - r);
  threshold *= 0.25;
  return threshold;
}

// The sphere stencil of radius r (MinMaxCurvatureFlowFunction::InitializeStencilOperator): the
// offsets inside it in ITK's neighbourhood order (x fastest), each weighted 1 / count as float.
struct Stencil {
  std::vector<std::array<long, 3>> offsets;
  float weight = 0;
  explicit Stencil(long r) {
    for (long dz = -r; dz <= r; ++dz)
      for (long dy = -r; dy <= r; ++dy)
        for (long dx = -r; dx <= r; ++dx)
          if (dx * dx + dy * dy + dz * dz <= r * r) offsets.push_back({dx, dy, dz});
    weight = static_cast<float>(1.0 / double(offsets.size()));
  }
};

template <bool kClampX, typename Neighbourhood>
float minMaxUpdate(const Neighbourhood& n, long x, long r, const double coefficients[3], const double scales[3],
                   const Stencil& stencil) {
  const float update = curvatureUpdate<kClampX>(n, x, scales);
  if (update == 0.0) return update;
  const float threshold = minMaxThreshold<kClampX>(n, x, r, coefficients);
  double sum = 0.0;  // NeighborhoodInnerProduct: float weight times double voxel, summed in double
  for (const auto& o : stencil.offsets) sum += stencil.weight * static_cast<double>(n.template at<kClampX>(x, o[0], o[1], o[2]));
  const float average = static_cast<float>(sum);
  return average < threshold ? std::max(update, 0.0f) : std::min(update, 0.0f);
}

}  // namespace

void FastCurvatureFlowImageFilter::GenerateData() {
  const ImageF* input = this->GetInput();
  ImageF* output = this->AllocateWholeOutput();
  const auto size = input->GetLargestPossibleRegion().GetSize();
  const long nx = long(size[0]), ny = long(size[1]), nz = long(size[2]);
  const size_t voxels = size_t(nx) * size_t(ny) * size_t(nz);
  float* out = output->GetBufferPointer();
  std::copy(input->GetBufferPointer(), input->GetBufferPointer() + voxels, out);

  const long r = long(m_StencilRadius), R = std::max(1L, r);  // R: the neighbourhood's radius
  double coefficients[3], scales[3];  // FiniteDifferenceImageFilter::InitializeFunctionCoefficients
  for (unsigned d = 0; d < 3; ++d) {
    coefficients[d] = 1.0 / static_cast<double>(input->GetSpacing()[d]);
    scales[d] = coefficients[d] / double(R);  // FiniteDifferenceFunction::ComputeNeighborhoodScales
  }
  const Stencil stencil(R);
  std::unique_ptr<float[]> change(new float[voxels]);
  auto* threader = this->GetMultiThreader();

  for (unsigned iteration = 0; iteration < m_NumberOfIterations; ++iteration) {
    threader->ParallelizeArray(
        0, static_cast<itk::SizeValueType>(nz),
        [&](itk::SizeValueType zu) {
          const long z = long(zu), side = 2 * R + 1;
          std::vector<const float*> rows(size_t(side * side));
          for (long y = 0; y < ny; ++y) {
            // Per row: a slice of min-max flow takes a good part of a second on a loaded machine.
            if (this->GetAbortGenerateData()) throw itk::ProcessAborted(__FILE__, __LINE__);
            for (long dz = -R; dz <= R; ++dz)
              for (long dy = -R; dy <= R; ++dy)
                rows[size_t((dz + R) * side + dy + R)] =
                    out + (std::clamp(z + dz, 0L, nz - 1) * ny + std::clamp(y + dy, 0L, ny - 1)) * nx;
            const Rows<0> n{rows.data(), R, nx};
            float* row = change.get() + (z * ny + y) * nx;
            const long interiorEnd = std::max(R, nx - R);
            if (r == 0) {
              const Rows<1> n1{rows.data(), 1, nx};
              for (long x = 0; x < std::min(R, nx); ++x) row[x] = curvatureUpdate<true>(n1, x, scales);
              for (long x = R; x < interiorEnd; ++x) row[x] = curvatureUpdate<false>(n1, x, scales);
              for (long x = std::max(R, interiorEnd); x < nx; ++x) row[x] = curvatureUpdate<true>(n1, x, scales);
            } else {
              auto minMaxRow = [&](const auto& m) {
                for (long x = 0; x < std::min(R, nx); ++x)
                  row[x] = minMaxUpdate<true>(m, x, r, coefficients, scales, stencil);
                for (long x = R; x < interiorEnd; ++x)
                  row[x] = minMaxUpdate<false>(m, x, r, coefficients, scales, stencil);
                for (long x = std::max(R, interiorEnd); x < nx; ++x)
                  row[x] = minMaxUpdate<true>(m, x, r, coefficients, scales, stencil);
              };
              if (r == 1)
                minMaxRow(Rows<1>{rows.data(), 1, nx});
              else
                minMaxRow(n);
            }
          }
        },
        nullptr);
    // DenseFiniteDifferenceImageFilter::ThreadedApplyUpdate (the change is read only now, so every
    // voxel's update above saw the previous iteration's values).
    const double dt = m_TimeStep;
    threader->ParallelizeArray(
        0, static_cast<itk::SizeValueType>(nz),
        [&](itk::SizeValueType z) {
          float* o = out + z * size_t(nx) * size_t(ny);
          const float* u = change.get() + z * size_t(nx) * size_t(ny);
          for (size_t i = 0, n = size_t(nx) * size_t(ny); i < n; ++i) o[i] += static_cast<float>(u[i] * dt);
        },
        nullptr);
    this->UpdateProgress(float(iteration + 1) / float(m_NumberOfIterations));
    if (this->GetAbortGenerateData()) throw itk::ProcessAborted(__FILE__, __LINE__);
  }
}

}  // namespace medpipe
