#include "medpipe/cohort/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "medpipe/core/error.h"
#include "sqlite_db.h"

namespace medpipe::cohort {
namespace {

using Points = std::vector<std::vector<double>>;

double distance2(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

struct KMeans {
  std::vector<int> assignment;
  Points centres;
  double inertia = std::numeric_limits<double>::infinity();
};

// One run of Lloyd's algorithm from a k-means++ start.
KMeans lloyd(const Points& x, int k, std::mt19937& random) {
  const size_t n = x.size();
  KMeans r;
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  r.centres.push_back(x[pick(random)]);
  std::vector<double> d(n);
  while (static_cast<int>(r.centres.size()) < k) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      d[i] = std::numeric_limits<double>::infinity();
      for (const auto& c : r.centres) d[i] = std::min(d[i], distance2(x[i], c));
      total += d[i];
    }
    if (total <= 0) {
      r.centres.push_back(x[pick(random)]);
      continue;
    }
    std::uniform_real_distribution<double> u(0, total);
    double target = u(random);
    size_t i = 0;
    for (; i + 1 < n && target >= d[i]; ++i) target -= d[i];
    r.centres.push_back(x[i]);
  }
  r.assignment.assign(n, -1);
  for (int iteration = 0; iteration < 300; ++iteration) {
    bool moved = false;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;
      double bestD = distance2(x[i], r.centres[0]);
      for (int c = 1; c < k; ++c) {
        const double dc = distance2(x[i], r.centres[static_cast<size_t>(c)]);
        if (dc < bestD) best = c, bestD = dc;
      }
      if (r.assignment[i] != best) r.assignment[i] = best, moved = true;
    }
    if (!moved) break;
    Points sums(static_cast<size_t>(k), std::vector<double>(x[0].size(), 0));
    std::vector<size_t> counts(static_cast<size_t>(k), 0);
    for (size_t i = 0; i < n; ++i) {
      auto& s = sums[static_cast<size_t>(r.assignment[i])];
      for (size_t j = 0; j < s.size(); ++j) s[j] += x[i][j];
      ++counts[static_cast<size_t>(r.assignment[i])];
    }
    for (size_t c = 0; c < sums.size(); ++c)
      if (counts[c])
        for (size_t j = 0; j < sums[c].size(); ++j) r.centres[c][j] = sums[c][j] / static_cast<double>(counts[c]);
  }
  r.inertia = 0;
  for (size_t i = 0; i < n; ++i) r.inertia += distance2(x[i], r.centres[static_cast<size_t>(r.assignment[i])]);
  return r;
}

double meanSilhouette(const Points& x, const std::vector<int>& a, int k) {
  const size_t n = x.size();
  std::vector<size_t> counts(static_cast<size_t>(k), 0);
  for (int c : a) ++counts[static_cast<size_t>(c)];
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> sum(static_cast<size_t>(k), 0);
    for (size_t j = 0; j < n; ++j)
      if (j != i) sum[static_cast<size_t>(a[j])] += std::sqrt(distance2(x[i], x[j]));
    const size_t own = static_cast<size_t>(a[i]);
    if (counts[own] <= 1) continue;  // a singleton's silhouette is 0
    const double inner = sum[own] / static_cast<double>(counts[own] - 1);
    double outer = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < sum.size(); ++c)
      if (c != own && counts[c]) outer = std::min(outer, sum[c] / static_cast<double>(counts[c]));
    total += (outer - inner) / std::max(inner, outer);
  }
  return total / static_cast<double>(n);
}

}  // namespace

ClusterResult clusterCohort(const CohortMatrix& m, const ClusterOptions& options) {
  ClusterResult result;
  const size_t n = m.values.size();
  // Standardise: mean 0, standard deviation 1; missing values sit at the mean.
  std::vector<size_t> used;
  std::vector<double> means, sds;
  std::vector<std::vector<double>> standardised;  // per used column, per row
  for (size_t c = 0; c < m.columns.size(); ++c) {
    double sum = 0, sum2 = 0;
    size_t count = 0;
    for (const auto& row : m.values)
      if (std::isfinite(row[c])) sum += row[c], sum2 += row[c] * row[c], ++count;
    if (count < 2) {  // no values (a label without this table)
      result.dropped.push_back(m.columns[c]);
      continue;
    }
    const double mean = sum / static_cast<double>(count);
    const double sd = std::sqrt(std::max(0.0, sum2 / static_cast<double>(count) - mean * mean));
    if (!(sd > 1e-12 * std::max(1.0, std::abs(mean)))) {
      result.dropped.push_back(m.columns[c]);
      continue;
    }
    // Standardised, missing values at the mean; a near-duplicate of a kept column is left out.
    std::vector<double> z(n);
    for (size_t r = 0; r < n; ++r) z[r] = std::isfinite(m.values[r][c]) ? (m.values[r][c] - mean) / sd : 0;
    bool duplicate = false;
    for (size_t j = 0; j < used.size() && !duplicate; ++j) {
      double dot = 0, a2 = 0, b2 = 0;
      for (size_t r = 0; r < n; ++r) dot += z[r] * standardised[j][r], a2 += z[r] * z[r], b2 += standardised[j][r] * standardised[j][r];
      duplicate = a2 > 0 && b2 > 0 && std::abs(dot) / std::sqrt(a2 * b2) > options.maxCorrelation;
    }
    if (duplicate) {
      result.dropped.push_back(m.columns[c]);
      continue;
    }
    used.push_back(c), means.push_back(mean), sds.push_back(sd), standardised.push_back(std::move(z));
    result.columns.push_back(m.columns[c]);
  }
  if (used.empty()) throw Error("", "--columns", "no column varies across the cohort");
  Points x(n, std::vector<double>(used.size()));
  for (size_t r = 0; r < n; ++r)
    for (size_t j = 0; j < used.size(); ++j) x[r][j] = standardised[j][r];
  const int minK = options.k > 0 ? options.k : 2, maxK = options.k > 0 ? options.k : options.maxK;
  if (n < static_cast<size_t>(std::max(minK, 2)) + 1)
    throw Error("", "--k", std::to_string(n) + " rows are too few for " + std::to_string(minK) + " clusters");
  KMeans chosen;
  for (int k = minK; k <= std::min<int>(maxK, static_cast<int>(n) - 1); ++k) {
    std::mt19937 random(options.seed + 7919u * static_cast<unsigned>(k));
    KMeans best;
    for (int start = 0; start < options.restarts; ++start) {
      KMeans run = lloyd(x, k, random);
      if (run.inertia < best.inertia) best = std::move(run);
    }
    const double s = meanSilhouette(x, best.assignment, k);
    result.silhouetteByK.emplace_back(k, s);
    if (chosen.assignment.empty() || s > result.silhouette + 1e-12) chosen = best, result.silhouette = s, result.k = k;
  }
  // Number clusters by size (largest 0), ties by first row: stable names across runs.
  std::vector<size_t> counts(static_cast<size_t>(result.k), 0), first(static_cast<size_t>(result.k), n);
  for (size_t r = 0; r < n; ++r) {
    const auto c = static_cast<size_t>(chosen.assignment[r]);
    ++counts[c], first[c] = std::min(first[c], r);
  }
  std::vector<int> order(static_cast<size_t>(result.k));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return counts[static_cast<size_t>(a)] != counts[static_cast<size_t>(b)] ? counts[static_cast<size_t>(a)] > counts[static_cast<size_t>(b)]
                                                                            : first[static_cast<size_t>(a)] < first[static_cast<size_t>(b)];
  });
  std::vector<int> rename(static_cast<size_t>(result.k));
  for (size_t i = 0; i < order.size(); ++i) rename[static_cast<size_t>(order[i])] = static_cast<int>(i);
  for (int a : chosen.assignment) result.assignment.push_back(rename[static_cast<size_t>(a)]);
  result.centres.assign(static_cast<size_t>(result.k), std::vector<double>(used.size()));
  result.sizes.assign(static_cast<size_t>(result.k), 0);
  for (int c = 0; c < result.k; ++c) {
    const auto& centre = chosen.centres[static_cast<size_t>(order[static_cast<size_t>(c)])];
    for (size_t j = 0; j < used.size(); ++j) result.centres[static_cast<size_t>(c)][j] = centre[j] * sds[j] + means[j];
    result.sizes[static_cast<size_t>(c)] = counts[static_cast<size_t>(order[static_cast<size_t>(c)])];
  }
  return result;
}

void writeClusters(const std::filesystem::path& database, const CohortMatrix& m, const ClusterResult& result) {
  SqliteDb db(cohortDatabasePath(database), false);
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("DROP TABLE IF EXISTS clusters; CREATE TABLE clusters (unit TEXT NOT NULL, label INTEGER NOT NULL, cluster INTEGER NOT NULL, "
            "k INTEGER NOT NULL, silhouette REAL, PRIMARY KEY (unit, label))");
    auto insert = db.prepare("INSERT INTO clusters VALUES (?, ?, ?, ?, ?)");
    for (size_t r = 0; r < m.units.size(); ++r)
      insert.bind(1, m.units[r]).bind(2, m.labels[r]).bind(3, result.assignment[r]).bind(4, result.k).bind(5, result.silhouette).run();
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

double adjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b) {
  if (a.size() != b.size() || a.size() < 2) return 0;
  std::map<std::pair<int, int>, double> joint;
  std::map<int, double> rows, cols;
  for (size_t i = 0; i < a.size(); ++i) ++joint[{a[i], b[i]}], ++rows[a[i]], ++cols[b[i]];
  auto pairs = [](double v) { return v * (v - 1) / 2; };
  double index = 0, sumA = 0, sumB = 0;
  for (const auto& [key, v] : joint) index += pairs(v);
  for (const auto& [key, v] : rows) sumA += pairs(v);
  for (const auto& [key, v] : cols) sumB += pairs(v);
  const double expected = sumA * sumB / pairs(static_cast<double>(a.size()));
  const double maximum = (sumA + sumB) / 2;
  return maximum == expected ? 1.0 : (index - expected) / (maximum - expected);
}

}  // namespace medpipe::cohort
