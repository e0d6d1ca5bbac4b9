#include "medpipe/io/stack_resampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/io/resource_limits.h"

namespace medpipe {
namespace {

struct Plane {
  const float* pixels;
  double shiftX, shiftY;  // in-plane offset of this slice's origin from the output origin, mm
};

// Bilinear sample of one slice at output in-plane position (x, y) in mm; false when outside.
bool sampleSlice(const Plane& p, long nx, long ny, double dx, double dy, double x, double y, double& value) {
  const double u = (x - p.shiftX) / dx, v = (y - p.shiftY) / dy;
  if (u < -1e-6 || v < -1e-6 || u > nx - 1 + 1e-6 || v > ny - 1 + 1e-6) return false;
  const long u0 = std::clamp<long>(static_cast<long>(std::floor(u)), 0, std::max(0L, nx - 2));
  const long v0 = std::clamp<long>(static_cast<long>(std::floor(v)), 0, std::max(0L, ny - 2));
  const long u1 = std::min(u0 + 1, nx - 1), v1 = std::min(v0 + 1, ny - 1);
  const double fu = std::clamp(u - u0, 0.0, 1.0), fv = std::clamp(v - v0, 0.0, 1.0);
  auto at = [&](long a, long b) { return double(p.pixels[b * nx + a]); };
  value = (1 - fv) * ((1 - fu) * at(u0, v0) + fu * at(u1, v0)) + fv * ((1 - fu) * at(u0, v1) + fu * at(u1, v1));
  return true;
}

}  // namespace

ImageF::Pointer resampleToRegularGrid(const ImageF& raw, const SliceStack& stack) {
  const auto size = raw.GetLargestPossibleRegion().GetSize();
  const long nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]);
  const double dx = stack.spacing[0], dy = stack.spacing[1];
  const auto& pos = stack.positionsAlongNormal;

  // In-plane offsets of every slice relative to the first one (non-zero only with tilt).
  std::vector<Plane> planes;
  double minX = 0, minY = 0, maxX = 0, maxY = 0;
  for (size_t k = 0; k < stack.slices.size(); ++k) {
    const auto& ipp = *stack.slices[k].imagePosition;
    const Vec3 d{ipp[0] - stack.origin[0], ipp[1] - stack.origin[1], ipp[2] - stack.origin[2]};
    Plane p{raw.GetBufferPointer() + k * nx * ny, dot(d, stack.rowDirection), dot(d, stack.columnDirection)};
    minX = std::min(minX, p.shiftX), maxX = std::max(maxX, p.shiftX);
    minY = std::min(minY, p.shiftY), maxY = std::max(maxY, p.shiftY);
    planes.push_back(p);
  }
  for (auto& p : planes) p.shiftX -= minX, p.shiftY -= minY;

  const double dz = stack.health.nonUniformSpacing ? stack.health.minSpacing : stack.spacing[2];
  // The grid follows from positions and spacings, which a header can make absurd (a 1e6 mm gap
  // at 0.001 mm spacing): refuse it before allocating, and before casting it to integers.
  const double sizeZ = std::floor((pos.back() - pos.front()) / dz + 1e-6) + 1;
  const double sizeX = nx + std::ceil((maxX - minX) / dx - 1e-6), sizeY = ny + std::ceil((maxY - minY) / dy - 1e-6);
  const double voxels = sizeX * sizeY * sizeZ;
  if (!std::isfinite(voxels) || voxels > double(kMaxVolumeVoxels)) {
    char grid[96];
    std::snprintf(grid, sizeof grid, "%.0f x %.0f x %.0f", sizeX, sizeY, sizeZ);
    throw Error(stack.slices.front().path.parent_path().string(), "ImagePositionPatient",
                std::string("resampling onto a regular grid needs ") + grid + " voxels, more than the limit of " +
                    std::to_string(kMaxVolumeVoxels) + " per volume");
  }
  const long nz = static_cast<long>(sizeZ), outX = static_cast<long>(sizeX), outY = static_cast<long>(sizeY);

  auto out = ImageF::New();
  ImageF::SizeType outSize{{static_cast<itk::SizeValueType>(outX), static_cast<itk::SizeValueType>(outY),
                            static_cast<itk::SizeValueType>(nz)}};
  out->SetRegions(ImageF::RegionType(outSize));
  out->SetDirection(raw.GetDirection());
  Vec3 origin = stack.origin;
  for (int r = 0; r < 3; ++r) origin[r] += minX * stack.rowDirection[r] + minY * stack.columnDirection[r];
  out->SetOrigin(origin.data());
  const double spacing[3] = {dx, dy, dz};
  out->SetSpacing(spacing);
  out->Allocate();

  const float* begin = raw.GetBufferPointer();
  const float background = *std::min_element(begin, begin + nx * ny * static_cast<long>(planes.size()));
  float* dst = out->GetBufferPointer();
  for (long k = 0; k < nz; ++k) {
    const double z = pos.front() + k * dz;
    const size_t upper = std::min<size_t>(std::lower_bound(pos.begin(), pos.end(), z - 1e-6) - pos.begin(), pos.size() - 1);
    const size_t lower = upper == 0 ? 0 : upper - 1;
    const double span = pos[upper] - pos[lower];
    const double w = span > 0 ? std::clamp((z - pos[lower]) / span, 0.0, 1.0) : 1.0;
    for (long j = 0; j < outY; ++j) {
      for (long i = 0; i < outX; ++i) {
        double a = 0, b = 0;
        const bool inA = sampleSlice(planes[lower], nx, ny, dx, dy, i * dx, j * dy, a);
        const bool inB = sampleSlice(planes[upper], nx, ny, dx, dy, i * dx, j * dy, b);
        double v = background;
        if (inA && inB) v = (1 - w) * a + w * b;
        else if (inA || inB) v = inA ? a : b;
        *dst++ = static_cast<float>(v);
      }
    }
  }
  return out;
}

}  // namespace medpipe
