#include "medpipe/filters/itk/FastCurvatureAnisotropicDiffusionImageFilter.h"

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

// ITK's CurvatureNDAnisotropicDiffusionFunction::ComputeUpdate, unrolled for 3D. `v(dx, dy, dz)`
// reads the neighbour at that offset: raw pointer arithmetic inside, clamped at the borders.
template <typename Fetch>
inline double curvatureUpdate(const Fetch& v, const double scale[3], double k) {
  const double centre = v(0, 0, 0);
  const double plus[3] = {v(1, 0, 0), v(0, 1, 0), v(0, 0, 1)};
  const double minus[3] = {v(-1, 0, 0), v(0, -1, 0), v(0, 0, -1)};
  double forward[3], backward[3], central[3];
  for (int i = 0; i < 3; ++i) {
    forward[i] = (plus[i] - centre) * scale[i];
    backward[i] = (centre - minus[i]) * scale[i];
    central[i] = 0.5 * (plus[i] - minus[i]) * scale[i];
  }
  // Derivative along j taken one voxel ahead of (+1) or behind (-1) the centre along i.
  auto shifted = [&](int i, int j, int side) {
    int a[3] = {0, 0, 0}, b[3] = {0, 0, 0};
    a[i] = b[i] = side;
    a[j] = 1, b[j] = -1;
    return 0.5 * (v(a[0], a[1], a[2]) - v(b[0], b[1], b[2])) * scale[j];
  };
  double speed = 0;
  for (int i = 0; i < 3; ++i) {
    double gradSq = forward[i] * forward[i], gradSqBack = backward[i] * backward[i];
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      const double ahead = central[j] + shifted(i, j, 1), behind = central[j] + shifted(i, j, -1);
      gradSq += 0.25f * ahead * ahead;
      gradSqBack += 0.25f * behind * behind;
    }
    const double gradMag = std::sqrt(kMinNorm + gradSq), gradMagBack = std::sqrt(kMinNorm + gradSqBack);
    const double conductance = k == 0.0 ? 0.0 : std::exp(gradSq / k);
    const double conductanceBack = k == 0.0 ? 0.0 : std::exp(gradSqBack / k);
    speed += forward[i] / gradMag * conductance - backward[i] / gradMagBack * conductanceBack;
  }
  // Upwind gradient magnitude.
  double propagation = 0;
  for (int i = 0; i < 3; ++i) {
    const double b = speed > 0 ? std::min(backward[i], 0.0) : std::max(backward[i], 0.0);
    const double f = speed > 0 ? std::max(forward[i], 0.0) : std::min(forward[i], 0.0);
    propagation += b * b + f * f;
  }
  return std::sqrt(propagation) * speed;
}

// One z-slice of one iteration: interior voxels through raw strides, border voxels clamped.
void diffuseSlice(const Grid& g, long z, const double scale[3], double k, double timeStep, float* out) {
  const long sy = g.nx, sz = g.nx * g.ny;
  const bool zInside = z > 0 && z < g.nz - 1;
  for (long y = 0; y < g.ny; ++y) {
    const bool rowInside = zInside && y > 0 && y < g.ny - 1;
    const float* row = g.data + z * sz + y * sy;
    for (long x = 0; x < g.nx; ++x) {
      double update;
      if (rowInside && x > 0 && x < g.nx - 1) {
        const float* c = row + x;
        update = curvatureUpdate([c, sy, sz](int dx, int dy, int dz) { return double(c[dx + dy * sy + dz * sz]); }, scale, k);
      } else {
        update = curvatureUpdate([&g, x, y, z](int dx, int dy, int dz) { return double(g.at(x + dx, y + dy, z + dz)); },
                                 scale, k);
      }
      out[y * sy + x] = static_cast<float>(row[x] + timeStep * static_cast<float>(update));
    }
  }
}

}  // namespace

void FastCurvatureAnisotropicDiffusionImageFilter::GenerateInputRequestedRegion() {
  Superclass::GenerateInputRequestedRegion();
  if (auto* input = const_cast<ImageF*>(this->GetInput())) input->SetRequestedRegionToLargestPossibleRegion();
}

void FastCurvatureAnisotropicDiffusionImageFilter::EnlargeOutputRequestedRegion(itk::DataObject* output) {
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

void FastCurvatureAnisotropicDiffusionImageFilter::GenerateData() {
  const ImageF* input = this->GetInput();
  ImageF* output = this->GetOutput();
  output->SetBufferedRegion(output->GetRequestedRegion());
  output->Allocate();
  const auto size = input->GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]), nz = static_cast<long>(size[2]);
  const size_t count = size_t(nx) * ny * nz;
  double scale[3];
  for (unsigned d = 0; d < 3; ++d) scale[d] = 1.0 / input->GetSpacing()[d];

  // Double buffering: each iteration reads `current` and writes `next`, then they swap.
  std::vector<float> current(input->GetBufferPointer(), input->GetBufferPointer() + count), next(count);
  itk::ProgressReporter progress(this, 0, m_NumberOfIterations);
  for (unsigned iteration = 0; iteration < m_NumberOfIterations; ++iteration) {
    const Grid grid{nx, ny, nz, current.data()};
    const double k = static_cast<float>(averageGradientMagnitudeSquared(grid, scale) * m_ConductanceParameter *
                                        m_ConductanceParameter * -2.0f);
    itk::MultiThreaderBase::New()->ParallelizeArray(
        0, static_cast<itk::SizeValueType>(nz),
        [&](itk::SizeValueType z) {
          diffuseSlice(grid, static_cast<long>(z), scale, k, m_TimeStep, next.data() + size_t(z) * ny * nx);
        },
        nullptr);
    current.swap(next);
    progress.CompletedPixel();  // one "pixel" per iteration: ProgressEvent and abort checks per iteration
  }
  std::copy(current.begin(), current.end(), output->GetBufferPointer());
}

}  // namespace medpipe
