// Neighbourhood grey tone difference (IBSI 3.10) and neighbouring grey level dependence (3.11)
// matrices, Chebyshev distance 1 (26 neighbours in 3D, 8 in a slice), neighbours in the region only.
#include <cmath>

#include "texture_matrix.h"

namespace medpipe::radiomics {
namespace {

// Calls visit(voxel, neighbourLevel) for each neighbour of the voxel inside the region.
template <typename Visit>
void forNeighbours(const DiscretisedImage& image, const RegionVoxels::Voxel& v, bool planar, Visit&& visit) {
  const Grid& g = image.grid;
  const int dzMax = planar ? 0 : 1;
  for (int dz = -dzMax; dz <= dzMax; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        if (dx == 0 && dy == 0 && dz == 0) continue;
        const int x = v.x + dx, y = v.y + dy, z = v.z + dz;
        if (x < 0 || y < 0 || z < 0 || x >= g.size[0] || y >= g.size[1] || z >= g.size[2]) continue;
        const int level = image.level[g.index(x, y, z)];
        if (level > 0) visit(level);
      }
}

struct ToneDifferences {
  std::vector<double> s, n;  // per grey level
  void add(const ToneDifferences& o) {
    for (size_t i = 0; i < s.size(); ++i) s[i] += o.s[i], n[i] += o.n[i];
  }
};

std::vector<double> ngtdmFeatures(const ToneDifferences& t, const Progress& progress) {
  double nvc = 0, sumS = 0;
  for (size_t i = 0; i < t.n.size(); ++i) nvc += t.n[i], sumS += t.s[i];
  std::vector<size_t> present;
  for (size_t i = 1; i < t.n.size(); ++i)
    if (t.n[i] > 0) present.push_back(i);
  std::vector<double> p(t.n.size());
  double ps = 0;
  for (size_t i : present) p[i] = t.n[i] / nvc, ps += p[i] * t.s[i];
  const double ngp = double(present.size());
  double contrastSum = 0, busyDenominator = 0, complexity = 0, strengthSum = 0;
  for (size_t i : present) {
    progress.throwIfCancelled();  // all pairs of grey levels: 10^9 and more with many levels
    for (size_t j : present) {
      const double d = double(i) - double(j);
      contrastSum += p[i] * p[j] * d * d;
      busyDenominator += std::abs(double(i) * p[i] - double(j) * p[j]);
      complexity += std::abs(d) * (p[i] * t.s[i] + p[j] * t.s[j]) / (p[i] + p[j]);
      strengthSum += (p[i] + p[j]) * d * d;
    }
  }
  // The manual's conventions where a denominator is 0: coarseness 10^6, the others 0.
  const double coarseness = ps > 0 ? 1 / ps : 1e6;
  const double contrast = ngp > 1 ? contrastSum / (ngp * (ngp - 1)) * sumS / nvc : 0.0;
  const double busyness = busyDenominator > 0 ? ps / busyDenominator : 0.0;
  const double strength = sumS > 0 ? strengthSum / sumS : 0.0;
  return {coarseness, contrast, busyness, complexity / nvc, strength};
}

}  // namespace

void addNgtdmFeatures(const DiscretisedImage& image, unsigned aggregations, const Progress& progress,
                      FeatureList& out) {
  const RegionVoxels region(image, progress);
  const size_t levels = size_t(image.levels) + 1;
  auto build = [&](size_t begin, size_t end, bool planar) {
    ToneDifferences t{std::vector<double>(levels, 0.0), std::vector<double>(levels, 0.0)};
    forEachBlock(end - begin, kVoxelsPerCancelCheck, progress, [&](size_t first, size_t last) {
      for (size_t k = begin + first; k < begin + last; ++k) {
        const auto& v = region.all[k];
        double sum = 0, count = 0;
        forNeighbours(image, v, planar, [&](int level) { sum += level, ++count; });
        if (count == 0) continue;  // no neighbour in the region: the voxel does not count
        t.s[size_t(v.level)] += std::abs(v.level - sum / count);
        t.n[size_t(v.level)] += 1;
      }
    });
    return t;
  };
  const std::vector<std::string> names{"coarseness", "contrast", "busyness", "complexity", "strength"};
  auto emit = [&](const std::vector<double>& f, const std::string& suffix) {
    for (size_t k = 0; k < names.size(); ++k) out.emplace_back("ngt_" + names[k] + suffix, f[k]);
  };
  if (aggregations & (Aggregate2D | Aggregate25D)) {
    std::vector<double> mean(names.size(), 0.0);
    double slices = 0;
    ToneDifferences all{std::vector<double>(levels, 0.0), std::vector<double>(levels, 0.0)};
    for (const auto& [begin, end] : region.slices) {
      const ToneDifferences t = build(begin, end, true);
      double nvc = 0;
      for (double n : t.n) nvc += n;
      if (nvc == 0) continue;
      const auto f = ngtdmFeatures(t, progress);
      for (size_t k = 0; k < f.size(); ++k) mean[k] += f[k];
      ++slices;
      all.add(t);
    }
    for (double& m : mean) m = slices > 0 ? m / slices : std::numeric_limits<double>::quiet_NaN();
    if (aggregations & Aggregate2D) emit(mean, "_2D");
    if (aggregations & Aggregate25D)
      emit(slices > 0 ? ngtdmFeatures(all, progress) : std::vector<double>(names.size(), NAN), "_2_5D");
  }
  if (aggregations & Aggregate3D) {
    const ToneDifferences t = build(0, region.all.size(), false);
    double nvc = 0;
    for (double n : t.n) nvc += n;
    emit(nvc > 0 ? ngtdmFeatures(t, progress) : std::vector<double>(names.size(), NAN), "_3D");
  }
}

void addNgldmFeatures(const DiscretisedImage& image, unsigned aggregations, const Progress& progress,
                      FeatureList& out) {
  const RegionVoxels region(image, progress);
  const std::uint64_t stride = 28;  // dependence 1..27
  std::vector<std::uint64_t> keys;
  auto build = [&](long slice) {
    size_t begin = 0, end = region.all.size();
    if (slice >= 0) std::tie(begin, end) = region.slices[size_t(slice)];
    for (size_t k = begin; k < end; ++k) {
      // Checked here, not by forEachBlock: in its lambda GCC reloads the captures after every
      // push_back (5% slower).
      if ((k - begin) % kVoxelsPerCancelCheck == 0) progress.throwIfCancelled();
      const auto& v = region.all[k];
      std::uint64_t dependence = 1;  // the voxel itself; coarseness alpha 0: equal neighbours depend
      forNeighbours(image, v, slice >= 0, [&](int level) { dependence += level == v.level; });
      keys.push_back(std::uint64_t(v.level) * stride + dependence);
    }
    return countKeys(keys, stride, double(end - begin), progress);
  };
  const std::vector<std::string> names{"lde",     "hde",    "lgce",   "hgce",      "ldlge",    "ldhge",
                                       "hdlge",   "hdhge",  "glnu",   "glnu_norm", "dcnu",     "dcnu_norm",
                                       "dc_perc", "gl_var", "dc_var", "dc_entr",   "dc_energy"};
  aggregateZones(
      "ngl_", names, region.slices.size(), aggregations, build,
      [](const CountMatrix& m) { return zoneFeatures(m, true); }, out);
}

}  // namespace medpipe::radiomics
