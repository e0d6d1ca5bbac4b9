// Grey level size zone (IBSI 3.8) and distance zone (3.9) matrices: zones are connected voxels of
// one grey level (26-connected in 3D, 8-connected in a slice); a zone's distance is the smallest
// city-block distance of its voxels to the morphological mask's edge (voxels at the edge: 1).
#include <algorithm>
#include <deque>

#include "texture_matrix.h"

namespace medpipe::radiomics {
namespace {

struct Zone {
  int level, z;
  std::uint64_t size = 0;
  int distance = 0;
};

// Connected zones; planar = within slices only.
std::vector<Zone> findZones(const DiscretisedImage& image, bool planar, const std::vector<int>& distance,
                            const Progress& progress) {
  const Grid& g = image.grid;
  std::vector<std::uint8_t> seen(g.count(), 0);
  std::vector<Zone> zones;
  std::vector<size_t> stack;
  const int dzMax = planar ? 0 : 1;
  size_t visited = 0;  // a zone can be most of the region: count its voxels too
  for (size_t start = 0; start < g.count(); ++start) {
    if (start % kValuesPerCancelCheck == 0) progress.throwIfCancelled();
    if (image.level[start] == 0 || seen[start]) continue;
    Zone zone{image.level[start], int(start / (size_t(g.size[0]) * g.size[1])), 0, distance[start]};
    seen[start] = 1;
    stack.push_back(start);
    while (!stack.empty()) {
      if (++visited % kVoxelsPerCancelCheck == 0) progress.throwIfCancelled();
      const size_t i = stack.back();
      stack.pop_back();
      ++zone.size;
      zone.distance = std::min(zone.distance, distance[i]);
      const int x = int(i % g.size[0]), y = int((i / g.size[0]) % g.size[1]),
                z = int(i / (size_t(g.size[0]) * g.size[1]));
      for (int dz = -dzMax; dz <= dzMax; ++dz)
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int xx = x + dx, yy = y + dy, zz = z + dz;
            if (xx < 0 || yy < 0 || zz < 0 || xx >= g.size[0] || yy >= g.size[1] || zz >= g.size[2]) continue;
            const size_t n = g.index(xx, yy, zz);
            if (!seen[n] && image.level[n] == zone.level) seen[n] = 1, stack.push_back(n);
          }
    }
    zones.push_back(zone);
  }
  return zones;
}

// City-block distance to the nearest voxel outside `inside` (outside the grid counts as outside),
// exact by two raster passes; planar = within slices only.
std::vector<int> edgeDistance(const Grid& g, const std::vector<int>& level, bool planar, const Progress& progress) {
  const int big = 1 << 29;
  std::vector<int> d(g.count());
  for (size_t i = 0; i < d.size(); ++i) d[i] = level[i] > 0 ? big : 0;
  const int nx = g.size[0], ny = g.size[1], nz = g.size[2];
  auto at = [&](int x, int y, int z) {
    return (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) ? 0 : d[g.index(x, y, z)];
  };
  for (int z = 0; z < nz; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        int& v = d[g.index(x, y, z)];
        if (v == 0) continue;
        v = std::min({v, at(x - 1, y, z) + 1, at(x, y - 1, z) + 1, planar ? big : at(x, y, z - 1) + 1});
      }
  }
  for (int z = nz - 1; z >= 0; --z) {
    progress.throwIfCancelled();
    for (int y = ny - 1; y >= 0; --y)
      for (int x = nx - 1; x >= 0; --x) {
        int& v = d[g.index(x, y, z)];
        if (v == 0) continue;
        v = std::min({v, at(x + 1, y, z) + 1, at(x, y + 1, z) + 1, planar ? big : at(x, y, z + 1) + 1});
      }
  }
  return d;
}

const std::vector<std::string> kSizeNames{"sze",    "lze",    "lgze",   "hgze",      "szlge", "szhge",
                                          "lzlge",  "lzhge",  "glnu",   "glnu_norm", "zsnu",  "zsnu_norm",
                                          "z_perc", "gl_var", "zs_var", "zs_entr"};
const std::vector<std::string> kDistanceNames{"sde",    "lde",    "lgze",   "hgze",      "sdlge", "sdhge",
                                              "ldlge",  "ldhge",  "glnu",   "glnu_norm", "zdnu",  "zdnu_norm",
                                              "z_perc", "gl_var", "zd_var", "zd_entr"};

void addZoneFamily(const DiscretisedImage& image, const std::vector<int>& edgeLevels, unsigned aggregations,
                   bool bySize, const Progress& progress, FeatureList& out) {
  const RegionVoxels region(image, progress);
  std::vector<Zone> planar, volume;
  const std::vector<int> none(image.grid.count(), 1);
  if (aggregations & (Aggregate2D | Aggregate25D))
    planar = findZones(image, true, bySize ? none : edgeDistance(image.grid, edgeLevels, true, progress), progress);
  if (aggregations & Aggregate3D)
    volume = findZones(image, false, bySize ? none : edgeDistance(image.grid, edgeLevels, false, progress), progress);
  std::vector<long> sliceOf(size_t(image.grid.size[2]), -1);  // z -> index of the non-empty slice
  for (size_t s = 0; s < region.slices.size(); ++s) sliceOf[size_t(region.all[region.slices[s].first].z)] = long(s);
  const std::uint64_t stride =
      std::uint64_t(bySize ? region.all.size() : image.grid.size[0] + image.grid.size[1] + image.grid.size[2]) + 1;
  std::vector<std::uint64_t> keys;
  auto build = [&](long slice) {
    const auto& zones = slice >= 0 ? planar : volume;
    double voxels = 0;
    forEachBlock(zones.size(), kValuesPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) {
        const Zone& zone = zones[k];
        if (slice >= 0 && sliceOf[size_t(zone.z)] != slice) continue;
        keys.push_back(std::uint64_t(zone.level) * stride + (bySize ? zone.size : std::uint64_t(zone.distance)));
        voxels += double(zone.size);
      }
    });
    return countKeys(keys, stride, voxels, progress);
  };
  aggregateZones(
      bySize ? "szm_" : "dzm_", bySize ? kSizeNames : kDistanceNames, region.slices.size(), aggregations, build,
      [](const CountMatrix& m) { return zoneFeatures(m, false); }, out);
}

}  // namespace

void addGlszmFeatures(const DiscretisedImage& image, unsigned aggregations, const Progress& progress,
                      FeatureList& out) {
  addZoneFamily(image, image.level, aggregations, true, progress, out);
}

void addGldzmFeatures(const DiscretisedImage& image, const RoiImage& roi, unsigned aggregations,
                      const Progress& progress, FeatureList& out) {
  // The edge is the morphological mask's: holes that re-segmentation cuts into the intensity mask
  // are not edges (the manual's choice; both masks are the same on the digital phantom).
  std::vector<int> inside(roi.morphMask.begin(), roi.morphMask.end());
  addZoneFamily(image, inside, aggregations, false, progress, out);
}

}  // namespace medpipe::radiomics
