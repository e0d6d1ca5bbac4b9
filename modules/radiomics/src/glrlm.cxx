// Grey level run length matrix (IBSI 3.7): runs along the 4 in-slice and 13 volume directions.
#include "texture_matrix.h"

namespace medpipe::radiomics {
namespace {

const std::vector<std::string> kNames{"sre",    "lre",    "lgre",   "hgre",      "srlge", "srhge",
                                      "lrlge",  "lrhge",  "glnu",   "glnu_norm", "rlnu",  "rlnu_norm",
                                      "r_perc", "gl_var", "rl_var", "rl_entr"};

}  // namespace

void addGlrlmFeatures(const DiscretisedImage& image, unsigned aggregations, unsigned threads, const Progress& progress,
                      FeatureList& out) {
  const RegionVoxels region(image, progress);
  const Grid& g = image.grid;
  const std::uint64_t stride = std::uint64_t(std::max({g.size[0], g.size[1], g.size[2]})) + 1;
  auto levelAt = [&](int x, int y, int z) {
    if (x < 0 || y < 0 || z < 0 || x >= g.size[0] || y >= g.size[1] || z >= g.size[2]) return 0;
    return image.level[g.index(x, y, z)];
  };
  auto build = [&](long slice, int direction) {
    std::vector<std::uint64_t> keys;
    const auto& d = neighbourDirections()[size_t(direction)];
    size_t begin = 0, end = region.all.size();
    if (slice >= 0) std::tie(begin, end) = region.slices[size_t(slice)];
    forEachBlock(end - begin, kVoxelsPerCancelCheck, progress, [&](size_t first, size_t last) {
      for (size_t k = begin + first; k < begin + last; ++k) {
        const auto& v = region.all[k];
        if (levelAt(v.x - d[0], v.y - d[1], v.z - d[2]) == v.level) continue;  // not the start of a run
        std::uint64_t length = 1;
        while (levelAt(v.x + int(length) * d[0], v.y + int(length) * d[1], v.z + int(length) * d[2]) == v.level)
          ++length;
        keys.push_back(std::uint64_t(v.level) * stride + length);
      }
    });
    return countKeys(keys, stride, double(end - begin), progress);
  };
  aggregateDirectional(
      "rlm_", kNames, region.slices.size(), aggregations, threads, build,
      [](const CountMatrix& m) { return zoneFeatures(m, false); }, out);
}

}  // namespace medpipe::radiomics
