// Grey level co-occurrence matrix (IBSI 3.6): symmetric, Chebyshev distance 1, the six aggregations.
// Features are computed from the non-zero entries and the marginals only, so their cost is
// independent of N_g^2 (HXY2 = HX + HY exactly, since the marginals sum to 1).
#include <cmath>

#include "texture_matrix.h"

namespace medpipe::radiomics {
namespace {

const std::vector<std::string> kNames{
    "joint_max",     "joint_avg",    "joint_var",         "joint_entr", "diff_avg", "diff_var",      "diff_entr",
    "sum_avg",       "sum_var",      "sum_entr",          "energy",     "contrast", "dissimilarity", "inv_diff",
    "inv_diff_norm", "inv_diff_mom", "inv_diff_mom_norm", "inv_var",    "corr",     "auto_corr",     "clust_tend",
    "clust_shade",   "clust_prom",   "info_corr1",        "info_corr2"};

std::vector<double> glcmFeatures(const CountMatrix& m, int ng) {
  double total = 0;
  for (const auto& e : m.entries) total += e.second;
  std::vector<double> px(size_t(ng) + 1, 0.0), diff(size_t(ng), 0.0), sum(2 * size_t(ng) + 1, 0.0);
  double jointMax = 0, mu = 0, entropy = 0, energy = 0, contrast = 0, dissimilarity = 0, invDiff = 0, invDiffNorm = 0,
         invDiffMom = 0, invDiffMomNorm = 0, invVar = 0, autoCorr = 0;
  const double g = ng;
  for (size_t k = 0; k < m.entries.size(); ++k) {
    const double p = m.entries[k].second / total, i = double(m.row(k)), j = double(m.column(k));
    const double d = std::abs(i - j);
    px[m.row(k)] += p;
    diff[size_t(d)] += p;
    sum[size_t(i + j)] += p;
    jointMax = std::max(jointMax, p);
    mu += i * p;
    entropy -= p * std::log2(p);
    energy += p * p;
    contrast += d * d * p;
    dissimilarity += d * p;
    invDiff += p / (1 + d);
    invDiffNorm += p / (1 + d / g);
    invDiffMom += p / (1 + d * d);
    invDiffMomNorm += p / (1 + d * d / (g * g));
    if (d > 0) invVar += p / (d * d);
    autoCorr += i * j * p;
  }
  double jointVar = 0, cov = 0, tend = 0, shade = 0, prom = 0, hxy1 = 0;
  double hx = 0, varX = 0;
  for (int i = 1; i <= ng; ++i) {
    const double p = px[size_t(i)];
    if (p > 0) hx -= p * std::log2(p);
    varX += (i - mu) * (i - mu) * p;
  }
  for (size_t k = 0; k < m.entries.size(); ++k) {
    const double p = m.entries[k].second / total, i = double(m.row(k)), j = double(m.column(k));
    jointVar += (i - mu) * (i - mu) * p;
    cov += (i - mu) * (j - mu) * p;
    const double c = i + j - 2 * mu;
    tend += c * c * p, shade += c * c * c * p, prom += c * c * c * c * p;
    hxy1 -= p * std::log2(px[m.row(k)] * px[m.column(k)]);
  }
  double diffAvg = 0, diffVar = 0, diffEntr = 0, sumAvg = 0, sumVar = 0, sumEntr = 0;
  for (size_t k = 0; k < diff.size(); ++k) diffAvg += double(k) * diff[k];
  for (size_t k = 0; k < diff.size(); ++k)
    if (diff[k] > 0)
      diffVar += (double(k) - diffAvg) * (double(k) - diffAvg) * diff[k], diffEntr -= diff[k] * std::log2(diff[k]);
  for (size_t k = 0; k < sum.size(); ++k) sumAvg += double(k) * sum[k];
  for (size_t k = 0; k < sum.size(); ++k)
    if (sum[k] > 0)
      sumVar += (double(k) - sumAvg) * (double(k) - sumAvg) * sum[k], sumEntr -= sum[k] * std::log2(sum[k]);
  // Symmetric matrix: both marginals are px, so HXY2 = 2 HX and max(HX, HY) = HX.
  const double hxy2 = 2 * hx;
  const double corr = varX > 0 ? cov / varX : std::numeric_limits<double>::quiet_NaN();
  const double infoCorr1 = hx > 0 ? (entropy - hxy1) / hx : 0.0;
  const double infoCorr2 = std::sqrt(std::max(0.0, 1 - std::exp(-2 * (hxy2 - entropy))));
  return {jointMax, mu,       jointVar, entropy,       diffAvg, diffVar,     diffEntr,   sumAvg,         sumVar,
          sumEntr,  energy,   contrast, dissimilarity, invDiff, invDiffNorm, invDiffMom, invDiffMomNorm, invVar,
          corr,     autoCorr, tend,     shade,         prom,    infoCorr1,   infoCorr2};
}

}  // namespace

void addGlcmFeatures(const DiscretisedImage& image, unsigned aggregations, unsigned threads, const Progress& progress,
                     FeatureList& out) {
  const RegionVoxels region(image, progress);
  const Grid& g = image.grid;
  const std::uint64_t stride = std::uint64_t(image.levels) + 1;
  auto build = [&](long slice, int direction) {
    std::vector<std::uint64_t> keys;
    const auto& d = neighbourDirections()[size_t(direction)];
    size_t begin = 0, end = region.all.size();
    if (slice >= 0) std::tie(begin, end) = region.slices[size_t(slice)];
    forEachBlock(end - begin, kVoxelsPerCancelCheck, progress, [&](size_t first, size_t last) {
      for (size_t k = begin + first; k < begin + last; ++k) {
        const auto& v = region.all[k];
        const int x = v.x + d[0], y = v.y + d[1], z = v.z + d[2];
        if (x < 0 || y < 0 || z < 0 || x >= g.size[0] || y >= g.size[1] || z >= g.size[2]) continue;
        const int other = image.level[g.index(x, y, z)];
        if (other == 0) continue;
        keys.push_back(std::uint64_t(v.level) * stride + std::uint64_t(other));
        keys.push_back(std::uint64_t(other) * stride + std::uint64_t(v.level));
      }
    });
    return countKeys(keys, stride, double(end - begin), progress);
  };
  aggregateDirectional(
      "cm_", kNames, region.slices.size(), aggregations, threads, build,
      [&](const CountMatrix& m) { return glcmFeatures(m, image.levels); }, out);
}

}  // namespace medpipe::radiomics
