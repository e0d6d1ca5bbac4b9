#include "medpipe/filters/itk/FastCurvatureFlowImageFilter.h"

#include <itkMath.h>
#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
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
  // ITK returns 0 before computing the update; selecting afterwards keeps the loop branch-free.
  return magnitudeSqr < 1e-9 ? 0.0f : static_cast<float>(update);
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

// The buffers of minMaxInterior, one row long (allocated once per slice, not per voxel).
struct RowBuffers {
  std::vector<float> update, average;
  std::vector<double> sum;
  std::vector<double> points;  // 4 arrays of nx: circle point k (circlePoints)
  std::vector<double> kind;    // kPoints, kZero (threshold 0) or kExact (ITK's trigonometry)
  explicit RowBuffers(long nx)
      : update(size_t(nx)), average(size_t(nx)), sum(size_t(nx)), points(size_t(4 * nx)), kind(size_t(nx)) {}
};
constexpr double kPoints = 0, kZero = 1, kExact = 2;

// The four circle points of minMaxThreshold at the interior voxels [x0, x1) of a row (xm .. zp:
// the rows of the 6 face neighbours, offset so that index x is voxel x's neighbour), each as
// row index * 64 + x offset + r (an exact small integer held in a double: every value in the
// loop is a double, so it vectorises), and kind[x]: kZero (ITK's threshold is 0), kExact (a
// rounded position lies within 1e-7 of a rounding boundary, or phi is near ITK's right-angle
// test: ITK's own trigonometry decides) or kPoints. Not inlined (inlined, GCC does not vectorise
// it), and cloned for AVX2, picked at load time where the CPU has it: no fused multiply-adds either
// way, and sqrt and division round the same at any width, so the voxels do not depend on the pick.
__attribute__((noinline, target_clones("avx2", "default"))) void circlePoints(
    const float* __restrict xm, const float* __restrict xp, const float* __restrict ym, const float* __restrict yp,
    const float* __restrict zm, const float* __restrict zp, long x0, long x1, long r, const double coefficients[3],
    double* __restrict p0, double* __restrict p1, double* __restrict p2, double* __restrict p3,
    double* __restrict kind) {
  const double radius = double(r), rr = double(r), sd = double(2 * r + 1);
  // Rounding half up of v >= 0 (floor of v + 0.5, the floor by the 2^52 trick, exact below 2^51);
  // ok becomes 0 where v lies within 1e-7 of a rounding boundary. Plain double arithmetic (ok too is
  // a double, 1 or 0): it vectorises.
  auto round = [](double v, double& ok) {
    const double w = v + 0.5;
    const double t = (w + 0x1p52) - 0x1p52;  // w rounded to nearest
    const double floor = t > w ? t - 1 : t;
    const double f = w - floor;
    ok = f > 1e-7 ? ok : 0.0;
    ok = f < 1 - 1e-7 ? ok : 0.0;
    return floor;
  };
  for (long x = x0; x < x1; ++x) {
    const double g0 = 0.5 * (xp[x] - xm[x]) * coefficients[0];
    const double g1 = 0.5 * (yp[x] - ym[x]) * coefficients[1];
    const double g2 = 0.5 * (zp[x] - zm[x]) * coefficients[2];
    const double m2 = g0 * g0 + g1 * g1 + g2 * g2, rho2 = g0 * g0 + g1 * g1;
    const bool zero = m2 == 0.0;  // threshold 0
    // ITK scales g to length r (u = g r / |g|), clamps u2 to [-1, 1] and takes theta = acos(u2),
    // phi = atan(u1 / u0): cos and sin of both without trigonometry.
    const double invM = 1 / std::sqrt(zero ? 1.0 : m2), invRho = 1 / std::sqrt(rho2 > 0 ? rho2 : 1.0);
    const double u2s = g2 * radius * invM;
    const double cosTheta = u2s < -1.0 ? -1.0 : u2s > 1.0 ? 1.0 : u2s;
    const double sin2 = 1 - cosTheta * cosTheta;
    const double sinTheta = std::sqrt(sin2 > 0 ? sin2 : 0.0);
    const double cosPhi = std::abs(g0) * invRho, sinPhi = (g0 < 0 ? -g1 : g1) * invRho;
    const double a = radius * cosTheta * cosPhi, c = radius * cosTheta * sinPhi, s = radius * sinTheta;
    const double d = radius * sinPhi, e = radius * cosPhi;
    // ITK's AlmostEquals(u0, 0) right angle: its own path decides there.
    double ok = std::abs(g0) * radius * invM > 1e-12 ? 1.0 : 0.0;
    const double ax = round(radius + a, ok), ay = round(radius + c, ok), az = round(radius - s, ok);
    const double bx = round(radius - d, ok), by = round(radius + e, ok);
    const double cx = round(radius - a, ok), cy = round(radius - c, ok), cz = round(radius + s, ok);
    const double dx = round(radius + d, ok), dy = round(radius - e, ok);
    p0[x] = (az * sd + ay) * 64 + ax;
    p1[x] = (rr * sd + by) * 64 + bx;
    p2[x] = (cz * sd + cy) * 64 + cx;
    p3[x] = (rr * sd + dy) * 64 + dx;
    kind[x] = zero ? kZero : ok > 0 ? kPoints : kExact;
  }
}

// minMaxUpdate for the interior voxels [x0, x1) of a row (no x clamp), in passes over the row
// that the compiler vectorises: the curvature update, the stencil average (summed in the same
// order per voxel), the threshold's four circle points from the gradient without trigonometry,
// then one pass gathering the four points and choosing min or max flow. Where a point's rounded
// position lies within 1e-7 of a rounding boundary, or phi is near ITK's right-angle test, the
// voxel's threshold is ITK's own computation (minMaxThreshold): the voxels are ITK's exactly.
template <long kR>
void minMaxInterior(const Rows<kR>& n, long x0, long x1, long r, const double coefficients[3],
                    const double scales[3], const Stencil& stencil, RowBuffers& b, float* out) {
  float* __restrict update = b.update.data();
  for (long x = x0; x < x1; ++x) update[x] = curvatureUpdate<false>(n, x, scales);

  double* __restrict sum = b.sum.data();
  std::fill(sum + x0, sum + x1, 0.0);
  const double weight = stencil.weight;  // float weight times double voxel, as NeighborhoodInnerProduct
  for (const auto& o : stencil.offsets) {
    const float* __restrict src = n.rows[(o[2] + r) * (2 * r + 1) + o[1] + r] + o[0];
    for (long x = x0; x < x1; ++x) sum[x] += weight * static_cast<double>(src[x]);
  }
  float* __restrict average = b.average.data();
  for (long x = x0; x < x1; ++x) average[x] = static_cast<float>(sum[x]);

  const long side = 2 * r + 1, centre = r * side + r;  // row index of (dy, dz) = (0, 0)
  const size_t stride = b.kind.size();
  double* p0 = b.points.data();
  circlePoints(n.rows[centre] - 1, n.rows[centre] + 1, n.rows[centre - 1], n.rows[centre + 1], n.rows[centre - side],
               n.rows[centre + side], x0, x1, r, coefficients, p0, p0 + stride, p0 + 2 * stride, p0 + 3 * stride,
               b.kind.data());
  const double *p1 = p0 + stride, *p2 = p1 + stride, *p3 = p2 + stride, *kind = b.kind.data(), *q0 = p0;

  // Without branches where it can (which way the average falls is a coin toss in noise): the four
  // points are gathered for every voxel (kZero and kExact voxels have valid ones too, then replaced),
  // and a zero update gives max(0, 0) = min(0, 0) = the update itself, as ITK returns it.
  for (long x = x0; x < x1; ++x) {
    const float u = update[x];
    float threshold = 0.0f;
    for (const double* p : {q0, p1, p2, p3}) {
      const long code = long(p[x]);
      threshold += n.rows[code >> 6][x + (code & 63) - r];
    }
    threshold *= 0.25;
    if (kind[x] != kPoints) threshold = kind[x] == kZero ? 0.0f : minMaxThreshold<false>(n, x, r, coefficients);
    const float grow = u > 0.0f ? u : 0.0f, shrink = u < 0.0f ? u : 0.0f;  // max(u, 0), min(u, 0) for u != 0
    out[x] = u == 0.0f ? u : average[x] < threshold ? grow : shrink;
  }
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
  auto* threader = this->GetMultiThreader();
  // In place in the output, as DenseFiniteDifferenceImageFilter's two passes (every voxel's change
  // from the previous iteration's values, then applied) but slab by slab: a slice's change waits
  // in a ring of R + 1 slices until the slices that read it have theirs, and each slab reads its
  // neighbours' slices within R from a copy made before the iteration. Besides input and output,
  // a few slices per slab instead of a volume of changes.
  const size_t sliceSize = size_t(nx) * size_t(ny);
  const long slabs = std::min<long>(nz, 4L * std::max(1u, itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads()));
  const auto slabStart = [&](long slab) { return nz * slab / slabs; };
  std::vector<float> halo(size_t(slabs) * 2 * size_t(R) * sliceSize);
  // Slab `slab`'s copy of slice zz, one of the R below it or the R above it.
  const auto haloSlice = [&](long slab, long zz) {
    const long z0 = slabStart(slab), z1 = slabStart(slab + 1), k = zz < z0 ? zz - (z0 - R) : R + (zz - z1);
    return halo.data() + (size_t(slab) * 2 * size_t(R) + size_t(k)) * sliceSize;
  };
  const double dt = m_TimeStep;

  for (unsigned iteration = 0; iteration < m_NumberOfIterations; ++iteration) {
    for (long slab = 0; slab < slabs; ++slab) {
      const long z0 = slabStart(slab), z1 = slabStart(slab + 1);
      for (long zz = std::max(0L, z0 - R); zz < std::min(nz, z1 + R); ++zz)
        if (zz < z0 || zz >= z1) std::copy_n(out + size_t(zz) * sliceSize, sliceSize, haloSlice(slab, zz));
    }
    threader->ParallelizeArray(
        0, static_cast<itk::SizeValueType>(slabs),
        [&](itk::SizeValueType item) {
          const long slab = long(item), z0 = slabStart(slab), z1 = slabStart(slab + 1), side = 2 * R + 1;
          std::vector<float> ring(size_t(R + 1) * sliceSize);
          const auto changeOf = [&](long zz) { return ring.data() + size_t((zz - z0) % (R + 1)) * sliceSize; };
          const auto sliceAt = [&](long zz) -> const float* {
            return zz < z0 || zz >= z1 ? haloSlice(slab, zz) : out + size_t(zz) * sliceSize;
          };
          const auto apply = [&](long zz) {  // DenseFiniteDifferenceImageFilter::ThreadedApplyUpdate
            float* o = out + size_t(zz) * sliceSize;
            const float* u = changeOf(zz);
            for (size_t i = 0; i < sliceSize; ++i) o[i] += static_cast<float>(u[i] * dt);
          };
          std::vector<const float*> rows(size_t(side * side));
          RowBuffers buffers(r > 0 ? nx : 0);
          for (long z = z0; z < z1; ++z) {
            for (long y = 0; y < ny; ++y) {
              // Per row: a slice of min-max flow takes a good part of a second on a loaded machine.
              if (this->GetAbortGenerateData()) throw itk::ProcessAborted(__FILE__, __LINE__);
              for (long dz = -R; dz <= R; ++dz)
                for (long dy = -R; dy <= R; ++dy)
                  rows[size_t((dz + R) * side + dy + R)] =
                      sliceAt(std::clamp(z + dz, 0L, nz - 1)) + std::clamp(y + dy, 0L, ny - 1) * nx;
              const Rows<0> n{rows.data(), R, nx};
              float* row = changeOf(z) + y * nx;
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
                  if (R < interiorEnd)
                    minMaxInterior(m, R, interiorEnd, r, coefficients, scales, stencil, buffers, row);
                  for (long x = std::max(R, interiorEnd); x < nx; ++x)
                    row[x] = minMaxUpdate<true>(m, x, r, coefficients, scales, stencil);
                };
                if (r == 1)
                  minMaxRow(Rows<1>{rows.data(), 1, nx});
                else
                  minMaxRow(n);
              }
            }
            if (z - R >= z0) apply(z - R);  // no slice still to come reads slice z - R
          }
          for (long zz = std::max(z0, z1 - R); zz < z1; ++zz) apply(zz);
        },
        nullptr);
    this->UpdateProgress(float(iteration + 1) / float(m_NumberOfIterations));
    if (this->GetAbortGenerateData()) throw itk::ProcessAborted(__FILE__, __LINE__);
  }
}

}  // namespace medpipe
