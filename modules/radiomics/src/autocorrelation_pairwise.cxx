// Moran's I and Geary's C by their definition, every pair of voxels (O(N^2)).
#include <cmath>
#include <vector>

#include "autocorrelation.h"
#include "medpipe/core/parallel.h"

namespace medpipe::radiomics {

SpatialAutocorrelation spatialAutocorrelationPairwise(const RoiImage& roi, unsigned threads) {
  const Grid& g = roi.grid;
  struct V {
    double x, y, z, value;
  };
  std::vector<V> v;
  double mean = 0;
  for (int z = 0; z < g.size[2]; ++z)
    for (int y = 0; y < g.size[1]; ++y)
      for (int x = 0; x < g.size[0]; ++x) {
        const size_t i = g.index(x, y, z);
        if (roi.intensityMask[i])
          v.push_back({x * g.spacing[0], y * g.spacing[1], z * g.spacing[2], roi.intensity[i]}),
              mean += roi.intensity[i];
      }
  const size_t n = v.size();
  mean /= double(n);
  double variance = 0;
  for (const auto& p : v) variance += (p.value - mean) * (p.value - mean);
  const unsigned parts = std::max(1u, threads);
  std::vector<double> w(parts, 0), moran(parts, 0), geary(parts, 0);
  forEachPart(n, parts, [&](size_t begin, size_t end) {
    const size_t part = begin * parts / std::max<size_t>(n, 1);
    double sw = 0, sm = 0, sg = 0;
    for (size_t i = begin; i < end; ++i)
      for (size_t j = i + 1; j < n; ++j) {
        const double d = std::sqrt((v[i].x - v[j].x) * (v[i].x - v[j].x) + (v[i].y - v[j].y) * (v[i].y - v[j].y) +
                                   (v[i].z - v[j].z) * (v[i].z - v[j].z));
        const double wij = 1 / d;
        sw += wij;
        sm += wij * (v[i].value - mean) * (v[j].value - mean);
        sg += wij * (v[i].value - v[j].value) * (v[i].value - v[j].value);
      }
    w[part] += sw, moran[part] += sm, geary[part] += sg;
  });
  double sw = 0, sm = 0, sg = 0;
  for (unsigned p = 0; p < parts; ++p) sw += w[p], sm += moran[p], sg += geary[p];
  SpatialAutocorrelation r;
  if (n < 2 || variance == 0) return {0.0, 0.0};  // undefined; a single value is not autocorrelated
  // Sums over i<j are half of the manual's double sums, in numerator and W alike.
  r.moranI = double(n) / sw * sm / variance;
  r.gearyC = double(n - 1) / (2 * sw) * sg / variance;
  return r;
}

}  // namespace medpipe::radiomics
