#pragma once
// Sparse texture matrices and the aggregation IBSI defines over slices and directions (3.6).
// A matrix is a sorted list of (row * stride + column, count): memory grows with the distinct
// entries, not with N_g^2 or the largest zone, so 3,000 grey levels or a 200k-voxel zone stay cheap.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "families.h"

namespace medpipe::radiomics {

struct CountMatrix {
  std::vector<std::pair<std::uint64_t, double>> entries;  // sorted by key, keys unique, counts > 0
  std::uint64_t stride = 1;                               // key = row * stride + column
  double voxels = 0;                                      // N_v of the matrix (merging adds them)
  bool empty() const { return entries.empty(); }
  std::uint64_t row(size_t k) const { return entries[k].first / stride; }
  std::uint64_t column(size_t k) const { return entries[k].first % stride; }
};

// Sorts and counts `keys` (consumed); a sort of many keys checks `progress` for a cancel.
CountMatrix countKeys(std::vector<std::uint64_t>& keys, std::uint64_t stride, double voxels, const Progress& progress);
// Element-wise sum (same stride).
CountMatrix merge(const CountMatrix& a, const CountMatrix& b);

// The voxels of a discretised region, with coordinates, grouped by slice (z).
struct RegionVoxels {
  struct Voxel {
    int x, y, z, level;
    size_t index;
  };
  std::vector<Voxel> all;                         // index order
  std::vector<std::pair<size_t, size_t>> slices;  // [begin, end) into `all` per z, for non-empty slices only
  RegionVoxels(const DiscretisedImage& image, const Progress& progress);
};

// Chebyshev-1 neighbour directions, one of each opposite pair: the first 4 lie in the slice.
const std::array<std::array<int, 3>, 13>& neighbourDirections();

using MatrixFeatures = std::function<std::vector<double>(const CountMatrix&)>;

// GLCM and GLRLM aggregation: 2D_avg (every slice and direction), 2D_comb (directions merged per
// slice), 2_5D_avg (slices merged per direction), 2_5D_comb (all merged), 3D_avg (per 3D
// direction), 3D_comb (all merged). build must be callable from several threads at once. build(slice, direction) for
// slice >= 0 builds an in-slice matrix of the first 4 directions; build(-1, direction) a volume one of all 13.
// A cancel is seen by build (which checks as it walks the voxels).
void aggregateDirectional(const std::string& prefix, const std::vector<std::string>& names, size_t sliceCount,
                          unsigned aggregations, unsigned threads,
                          const std::function<CountMatrix(long slice, int direction)>& build,
                          const MatrixFeatures& features, FeatureList& out);

// GLSZM, GLDZM and NGLDM aggregation: _2D (per slice, averaged), _2_5D (slices merged), _3D.
void aggregateZones(const std::string& prefix, const std::vector<std::string>& names, size_t sliceCount,
                    unsigned aggregations, const std::function<CountMatrix(long slice)>& build,
                    const MatrixFeatures& features, FeatureList& out);

// The features GLRLM, GLSZM, GLDZM and NGLDM share (rows = grey level i, columns = run length,
// zone size, distance or dependence j): short/long j, low/high i and their products, both
// non-uniformities, percentage, both variances, entropy, and (NGLDM) energy, in that order.
std::vector<double> zoneFeatures(const CountMatrix& m, bool withEnergy);

}  // namespace medpipe::radiomics
