// Sparse texture matrices, slice/direction aggregation and the features zone-like matrices share.
#include "texture_matrix.h"

#include <algorithm>
#include <cmath>

#include "cancellable_sort.h"
#include "medpipe/core/parallel.h"

namespace medpipe::radiomics {

CountMatrix countKeys(std::vector<std::uint64_t>& keys, std::uint64_t stride, double voxels, const Progress& progress) {
  CountMatrix m;
  m.stride = stride;
  m.voxels = voxels;
  std::uint64_t largest = 0;
  for (auto k : keys) largest = std::max(largest, k);
  if (largest < (1u << 22)) {
    // Few possible keys: count in a dense table and sort only the distinct keys (no cancel check
    // here: the table must be left all zero).
    thread_local std::vector<std::uint32_t> counts;
    if (counts.size() <= largest) counts.resize(largest + 1, 0);
    std::vector<std::uint64_t> distinct;
    for (auto k : keys)
      if (counts[k]++ == 0) distinct.push_back(k);
    std::sort(distinct.begin(), distinct.end());
    m.entries.reserve(distinct.size());
    for (auto k : distinct) m.entries.emplace_back(k, double(counts[k])), counts[k] = 0;
    keys.clear();
    return m;
  }
  sortCancellable(keys, progress);
  for (size_t k = 0; k < keys.size();) {
    size_t e = k;
    while (e < keys.size() && keys[e] == keys[k]) ++e;
    m.entries.emplace_back(keys[k], double(e - k));
    k = e;
  }
  keys.clear();
  return m;
}

CountMatrix merge(const CountMatrix& a, const CountMatrix& b) {
  if (a.entries.empty() && a.voxels == 0) return b;
  CountMatrix m;
  m.stride = a.stride;
  m.voxels = a.voxels + b.voxels;
  m.entries.reserve(a.entries.size() + b.entries.size());
  size_t i = 0, j = 0;
  while (i < a.entries.size() || j < b.entries.size()) {
    if (j == b.entries.size() || (i < a.entries.size() && a.entries[i].first < b.entries[j].first)) {
      m.entries.push_back(a.entries[i++]);
    } else if (i == a.entries.size() || b.entries[j].first < a.entries[i].first) {
      m.entries.push_back(b.entries[j++]);
    } else {
      m.entries.emplace_back(a.entries[i].first, a.entries[i].second + b.entries[j].second);
      ++i, ++j;
    }
  }
  return m;
}

RegionVoxels::RegionVoxels(const DiscretisedImage& image, const Progress& progress) {
  const Grid& g = image.grid;
  size_t i = 0;
  for (int z = 0; z < g.size[2]; ++z) {
    progress.throwIfCancelled();
    const size_t begin = all.size();
    for (int y = 0; y < g.size[1]; ++y)
      for (int x = 0; x < g.size[0]; ++x, ++i)
        if (image.level[i] > 0) all.push_back({x, y, z, image.level[i], i});
    if (all.size() > begin) slices.emplace_back(begin, all.size());
  }
}

const std::array<std::array<int, 3>, 13>& neighbourDirections() {
  static const std::array<std::array<int, 3>, 13> directions{{{1, 0, 0},
                                                              {0, 1, 0},
                                                              {1, 1, 0},
                                                              {1, -1, 0},
                                                              {0, 0, 1},
                                                              {1, 0, 1},
                                                              {-1, 0, 1},
                                                              {0, 1, 1},
                                                              {0, -1, 1},
                                                              {1, 1, 1},
                                                              {1, -1, 1},
                                                              {-1, 1, 1},
                                                              {-1, -1, 1}}};
  return directions;
}

namespace {

// Running mean of feature vectors.
struct FeatureMean {
  std::vector<double> sum;
  size_t count = 0;
  void add(const std::vector<double>& v) {
    if (sum.empty()) sum.assign(v.size(), 0.0);
    for (size_t k = 0; k < v.size(); ++k) sum[k] += v[k];
    ++count;
  }
  void emit(const std::string& prefix, const std::vector<std::string>& names, const std::string& suffix,
            FeatureList& out) const {
    for (size_t k = 0; k < names.size(); ++k)
      out.emplace_back(prefix + names[k] + suffix,
                       count ? sum[k] / double(count) : std::numeric_limits<double>::quiet_NaN());
  }
};

}  // namespace

void aggregateDirectional(const std::string& prefix, const std::vector<std::string>& names, size_t sliceCount,
                          unsigned aggregations, unsigned threads, const std::function<CountMatrix(long, int)>& build,
                          const MatrixFeatures& features, FeatureList& out) {
  if (aggregations & (Aggregate2D | Aggregate25D)) {
    FeatureMean avg2d, comb2d;
    std::vector<CountMatrix> perDirection(4);
    for (size_t s = 0; s < sliceCount; ++s) {
      CountMatrix sliceMerged;
      for (int d = 0; d < 4; ++d) {
        CountMatrix m = build(long(s), d);
        if (!m.empty() && (aggregations & Aggregate2D)) avg2d.add(features(m));
        if (aggregations & Aggregate2D) sliceMerged = merge(sliceMerged, m);
        if (aggregations & Aggregate25D) perDirection[size_t(d)] = merge(perDirection[size_t(d)], m);
      }
      if (!sliceMerged.empty()) comb2d.add(features(sliceMerged));
    }
    if (aggregations & Aggregate2D) {
      avg2d.emit(prefix, names, "_2D_avg", out);
      comb2d.emit(prefix, names, "_2D_comb", out);
    }
    if (aggregations & Aggregate25D) {
      FeatureMean avg, comb;
      CountMatrix all;
      for (const auto& m : perDirection) {
        if (!m.empty()) avg.add(features(m));
        all = merge(all, m);
      }
      if (!all.empty()) comb.add(features(all));
      avg.emit(prefix, names, "_2_5D_avg", out);
      comb.emit(prefix, names, "_2_5D_comb", out);
    }
  }
  if (aggregations & Aggregate3D) {
    FeatureMean avg, comb;
    CountMatrix all;
    // The 13 directions are independent: matrices and their features on all threads.
    std::vector<CountMatrix> matrices(13);
    std::vector<std::vector<double>> values(13);
    forEachPart(13, threads, [&](size_t begin, size_t end) {
      for (size_t d = begin; d < end; ++d) {
        matrices[d] = build(-1, int(d));
        if (!matrices[d].empty()) values[d] = features(matrices[d]);
      }
    });
    for (size_t d = 0; d < 13; ++d) {
      if (!matrices[d].empty()) avg.add(values[d]);
      all = merge(all, matrices[d]);
    }
    if (!all.empty()) comb.add(features(all));
    avg.emit(prefix, names, "_3D_avg", out);
    comb.emit(prefix, names, "_3D_comb", out);
  }
}

void aggregateZones(const std::string& prefix, const std::vector<std::string>& names, size_t sliceCount,
                    unsigned aggregations, const std::function<CountMatrix(long)>& build,
                    const MatrixFeatures& features, FeatureList& out) {
  if (aggregations & (Aggregate2D | Aggregate25D)) {
    FeatureMean perSlice, merged;
    CountMatrix all;
    for (size_t s = 0; s < sliceCount; ++s) {
      CountMatrix m = build(long(s));
      if (!m.empty()) perSlice.add(features(m));
      if (aggregations & Aggregate25D) all = merge(all, m);
    }
    if (!all.empty()) merged.add(features(all));
    if (aggregations & Aggregate2D) perSlice.emit(prefix, names, "_2D", out);
    if (aggregations & Aggregate25D) merged.emit(prefix, names, "_2_5D", out);
  }
  if (aggregations & Aggregate3D) {
    FeatureMean volume;
    CountMatrix m = build(-1);
    if (!m.empty()) volume.add(features(m));
    volume.emit(prefix, names, "_3D", out);
  }
}

std::vector<double> zoneFeatures(const CountMatrix& m, bool withEnergy) {
  double ns = 0;
  for (const auto& e : m.entries) ns += e.second;
  double shortJ = 0, longJ = 0, lowI = 0, highI = 0, sl = 0, sh = 0, ll = 0, lh = 0, entropy = 0, energy = 0;
  double meanI = 0, meanJ = 0;
  std::vector<double> rowSum, columnSum;
  for (size_t k = 0; k < m.entries.size(); ++k) {
    const double c = m.entries[k].second, i = double(m.row(k)), j = double(m.column(k));
    const double i2 = i * i, j2 = j * j, p = c / ns;
    shortJ += c / j2, longJ += c * j2, lowI += c / i2, highI += c * i2;
    sl += c / (i2 * j2), sh += c * i2 / j2, ll += c * j2 / i2, lh += c * i2 * j2;
    entropy -= p * std::log2(p);
    energy += p * p;
    meanI += i * p, meanJ += j * p;
    const size_t r = size_t(m.row(k)), col = size_t(m.column(k));
    if (rowSum.size() <= r) rowSum.resize(r + 1, 0.0);
    if (columnSum.size() <= col) columnSum.resize(col + 1, 0.0);
    rowSum[r] += c, columnSum[col] += c;
  }
  double varI = 0, varJ = 0;
  for (size_t k = 0; k < m.entries.size(); ++k) {
    const double p = m.entries[k].second / ns, i = double(m.row(k)), j = double(m.column(k));
    varI += (i - meanI) * (i - meanI) * p, varJ += (j - meanJ) * (j - meanJ) * p;
  }
  double nuI = 0, nuJ = 0;
  for (double s : rowSum) nuI += s * s;
  for (double s : columnSum) nuJ += s * s;
  std::vector<double> f{shortJ / ns,   longJ / ns, lowI / ns, highI / ns,      sl / ns,  sh / ns,
                        ll / ns,       lh / ns,    nuI / ns,  nuI / (ns * ns), nuJ / ns, nuJ / (ns * ns),
                        ns / m.voxels, varI,       varJ,      entropy};
  if (withEnergy) f.push_back(energy);
  return f;
}

}  // namespace medpipe::radiomics
