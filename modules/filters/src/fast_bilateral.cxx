// Separable bilateral filter: see fast_denoise.h.
#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "fast_denoise.h"
#include "medpipe/core/error.h"
#include "medpipe/core/large_buffer.h"

namespace medpipe {
namespace {

constexpr double kDomainMu = 2.5;  // itk::BilateralImageFilter's defaults
constexpr double kRangeMu = 4.0;
constexpr int kRangeSamples = 100;

// ITK's normalised 1D Gaussian over -radius..radius voxels (its 3D kernel is the product of these).
std::vector<float> domainKernel(double sigma, double spacing, long& radius) {
  radius = static_cast<long>(std::ceil(kDomainMu * sigma / spacing));
  std::vector<double> k(size_t(2 * radius + 1));
  double sum = 0;
  for (long i = -radius; i <= radius; ++i) sum += k[size_t(i + radius)] = std::exp(-0.5 * std::pow(i * spacing / sigma, 2));
  std::vector<float> out(k.size());
  for (size_t i = 0; i < k.size(); ++i) out[i] = float(k[i] / sum);
  return out;
}

struct RangeTable {
  float weight[kRangeSamples + 1];  // the last entry, 0, is for differences beyond 4 sigma
  float toIndex;
  explicit RangeTable(double sigma) {
    const double used = kRangeMu * sigma, delta = used / kRangeSamples;
    for (int i = 0; i < kRangeSamples; ++i) weight[i] = float(std::exp(-0.5 * std::pow(i * delta / sigma, 2)));
    weight[kRangeSamples] = 0;
    toIndex = float(kRangeSamples / used);
  }
  float operator()(float difference) const {
    const float index = std::min(std::abs(difference) * toIndex, float(kRangeSamples));
    return weight[int(index)];
  }
};

// One 1D bilateral pass for a row of n voxels: out[x] from centre[x] and the taps rows[k][x].
void filterRow(const float* centre, const std::vector<const float*>& rows, const std::vector<float>& kernel,
               const RangeTable& range, long n, float* out, std::vector<float>& value, std::vector<float>& norm) {
  std::fill(value.begin(), value.begin() + n, 0.f);
  std::fill(norm.begin(), norm.begin() + n, 0.f);
  for (size_t k = 0; k < rows.size(); ++k) {
    const float* s = rows[k];
    const float domain = kernel[k];
    for (long x = 0; x < n; ++x) {
      const float w = domain * range(s[x] - centre[x]);
      value[size_t(x)] += w * s[x];
      norm[size_t(x)] += w;
    }
  }
  for (long x = 0; x < n; ++x) out[x] = value[size_t(x)] / norm[size_t(x)];  // the centre's weight is > 0
}

}  // namespace

void parallelWithProgress(size_t items, const std::function<void(size_t)>& work, const Progress& progress,
                          const std::string& stage, double from, double to) {
  auto pool = itk::MultiThreaderBase::New();
  const size_t rounds = std::min<size_t>(10, std::max<size_t>(items, 1)), step = (items + rounds - 1) / rounds;
  for (size_t first = 0; first < items; first += step) {
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    const size_t last = std::min(items, first + step);
    pool->ParallelizeArray(
        first, last, [&](itk::SizeValueType item) { work(size_t(item)); }, nullptr);
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    progress.report(from + (to - from) * double(last) / double(items), stage);
  }
}

ImageF::Pointer separableBilateral(const ImageF& input, double domainSigma, double rangeSigma,
                                   const Progress& progress, const std::string& stage) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  const long nx = long(size[0]), ny = long(size[1]), nz = long(size[2]);
  long rx, ry, rz;
  const auto kx = domainKernel(domainSigma, input.GetSpacing()[0], rx);
  const auto ky = domainKernel(domainSigma, input.GetSpacing()[1], ry);
  const auto kz = domainKernel(domainSigma, input.GetSpacing()[2], rz);
  const RangeTable range(rangeSigma);

  auto output = ImageF::New();
  output->CopyInformation(&input);
  output->SetRegions(input.GetLargestPossibleRegion());
  allocateLarge(*output);
  const float* in = input.GetBufferPointer();
  float* out = output->GetBufferPointer();
  const long slice = nx * ny;

  // Along z, input -> output, a row at a time.
  parallelWithProgress(
      size_t(nz * ny),
      [&](size_t item) {
        if (progress.cancelled()) return;
        const long z = long(item) / ny, y = long(item) % ny;
        std::vector<const float*> rows;
        for (long k = -rz; k <= rz; ++k) rows.push_back(in + std::clamp(z + k, 0L, nz - 1) * slice + y * nx);
        thread_local std::vector<float> value, norm;
        value.resize(size_t(nx)), norm.resize(size_t(nx));
        filterRow(in + z * slice + y * nx, rows, kz, range, nx, out + z * slice + y * nx, value, norm);
      },
      progress, stage, 0, 1.0 / 3);

  // Along y then x, in place slice by slice (each slice is copied first).
  parallelWithProgress(
      size_t(nz),
      [&](size_t item) {
        const long z = long(item);
        float* plane = out + z * slice;
        std::vector<float> copy(plane, plane + slice), row(static_cast<size_t>(nx + 2 * rx));
        std::vector<float> value(static_cast<size_t>(nx)), norm(static_cast<size_t>(nx));
        std::vector<const float*> rows;
        for (long y = 0; y < ny; ++y) {
          if (progress.cancelled()) return;
          rows.clear();
          for (long k = -ry; k <= ry; ++k) rows.push_back(copy.data() + std::clamp(y + k, 0L, ny - 1) * nx);
          filterRow(copy.data() + y * nx, rows, ky, range, nx, plane + y * nx, value, norm);
        }
        for (long y = 0; y < ny; ++y) {
          if (progress.cancelled()) return;
          float* line = plane + y * nx;
          std::fill(row.begin(), row.begin() + rx, line[0]);  // edge-replicating borders
          std::copy(line, line + nx, row.begin() + rx);
          std::fill(row.begin() + rx + nx, row.end(), line[nx - 1]);
          rows.clear();
          for (long k = 0; k <= 2 * rx; ++k) rows.push_back(row.data() + k);
          filterRow(row.data() + rx, rows, kx, range, nx, line, value, norm);
        }
      },
      progress, stage, 1.0 / 3, 1);
  return output;
}

}  // namespace medpipe
