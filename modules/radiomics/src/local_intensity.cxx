// Local intensity (IBSI 3.2): the mean of every image voxel whose centre lies within a 1 cm^3 sphere
// (radius 6.2 mm) around a region voxel. The sphere is walked as rows along x over per-row prefix
// sums, so each voxel costs one addition per row of the sphere instead of one per voxel.
#include <algorithm>
#include <cmath>
#include <vector>

#include "families.h"
#include "medpipe/core/parallel.h"

namespace medpipe::radiomics {

void addLocalIntensityFeatures(const RoiImage& roi, unsigned threads, const Progress& progress, FeatureList& out) {
  const Grid& g = roi.grid;
  const int nx = g.size[0], ny = g.size[1], nz = g.size[2];
  const double radius = std::cbrt(3.0 / (4.0 * M_PI)) * 10.0;  // mm
  struct Row {
    int dy, dz, half;  // x offsets -half..half
  };
  std::vector<Row> rows;
  const int ry = int(radius / g.spacing[1]), rz = int(radius / g.spacing[2]);
  for (int dz = -rz; dz <= rz; ++dz)
    for (int dy = -ry; dy <= ry; ++dy) {
      const double rest = radius * radius - std::pow(dy * g.spacing[1], 2) - std::pow(dz * g.spacing[2], 2);
      if (rest >= 0) rows.push_back({dy, dz, int(std::floor(std::sqrt(rest) / g.spacing[0] + 1e-9))});
    }
  // prefix[row * (nx + 1) + x] = sum of the first x voxels of that row.
  std::vector<double> prefix(size_t(ny) * nz * (nx + 1), 0.0);
  for (int z = 0; z < nz; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < ny; ++y) {
      double* p = &prefix[(size_t(z) * ny + y) * (nx + 1)];
      const double* v = &roi.intensity[g.index(0, y, z)];
      for (int x = 0; x < nx; ++x) p[x + 1] = p[x] + v[x];
    }
  }
  std::vector<size_t> voxels;
  forEachBlock(roi.intensityMask.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (roi.intensityMask[i]) voxels.push_back(i);
  });
  std::vector<double> localMean(voxels.size());
  forEachPart(voxels.size(), threads, [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      // A voxel sums one prefix difference per row of the sphere (hundreds): check every 4096.
      if ((k - begin) % 4096 == 0) progress.throwIfCancelled();
      const size_t i = voxels[k];
      const int x = int(i % nx), y = int((i / nx) % ny), z = int(i / (size_t(nx) * ny));
      double sum = 0;
      long count = 0;
      for (const Row& r : rows) {
        const int yy = y + r.dy, zz = z + r.dz;
        if (yy < 0 || yy >= ny || zz < 0 || zz >= nz) continue;
        const int x0 = std::max(0, x - r.half), x1 = std::min(nx - 1, x + r.half);
        const double* p = &prefix[(size_t(zz) * ny + yy) * (nx + 1)];
        sum += p[x1 + 1] - p[x0];
        count += x1 - x0 + 1;
      }
      localMean[k] = sum / double(count);
    }
  });
  double maxIntensity = -std::numeric_limits<double>::infinity();
  for (size_t i : voxels) maxIntensity = std::max(maxIntensity, roi.intensity[i]);
  double localPeak = -std::numeric_limits<double>::infinity(), globalPeak = localPeak;
  for (size_t k = 0; k < voxels.size(); ++k) {
    globalPeak = std::max(globalPeak, localMean[k]);
    if (roi.intensity[voxels[k]] == maxIntensity) localPeak = std::max(localPeak, localMean[k]);
  }
  out.emplace_back("loc_peak_loc", localPeak);
  out.emplace_back("loc_peak_glob", globalPeak);
}

}  // namespace medpipe::radiomics
