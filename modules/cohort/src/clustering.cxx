#include "medpipe/cohort/clustering.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "kmeans.h"
#include "medpipe/core/error.h"
#include "sqlite_db.h"

namespace medpipe::cohort {
namespace {

// The strongest grouping one column has on its own: the best mean silhouette of its 1-D k-means
// over k = 2..maxK, counting only groupings whose smallest group holds `smallestGroup` of the rows.
double groupStructure(const std::vector<double>& column, const std::vector<size_t>& rows, const ClusterOptions& o) {
  Points x;
  for (size_t r : rows) x.push_back({column[r]});
  double best = 0;
  std::mt19937 random(o.seed);
  for (int k = 2; k <= std::min<int>(o.maxK, static_cast<int>(x.size()) - 1); ++k) {
    const auto clusters = bestKMeans(x, k, 5, random);
    std::vector<size_t> counts(static_cast<size_t>(k), 0);
    for (int c : clusters.assignment) ++counts[static_cast<size_t>(c)];
    if (static_cast<double>(*std::min_element(counts.begin(), counts.end())) < o.smallestGroup * static_cast<double>(x.size())) continue;
    best = std::max(best, meanSilhouette(x, clusters.assignment, k));
  }
  return best;
}

// Of the columns, those with groups of their own (all of them when none has).
void screenColumns(const ClusterOptions& o, ClusterResult& result, std::vector<size_t>& used, std::vector<double>& means,
                   std::vector<double>& sds, std::vector<std::vector<double>>& standardised) {
  const size_t n = standardised.front().size();
  std::vector<size_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  if (n > o.sampleRows) {
    std::mt19937 random(o.seed);
    std::shuffle(rows.begin(), rows.end(), random);
    rows.resize(o.sampleRows);
  }
  std::vector<double> structure;
  for (const auto& column : standardised) structure.push_back(groupStructure(column, rows, o));
  if (o.screen == ColumnScreen::None || std::none_of(structure.begin(), structure.end(), [&](double s) { return s >= o.screenSilhouette; })) {
    result.structure = structure;
    return;
  }
  result.screened = true;
  size_t kept = 0;
  for (size_t j = 0; j < used.size(); ++j) {
    if (structure[j] < o.screenSilhouette) {
      result.screenedOut.push_back(result.columns[j]);
      continue;
    }
    if (kept != j)  // (a self-move would empty the column)
      used[kept] = used[j], means[kept] = means[j], sds[kept] = sds[j], standardised[kept] = std::move(standardised[j]),
      result.columns[kept] = result.columns[j];
    result.structure.push_back(structure[j]);
    ++kept;
  }
  used.resize(kept), means.resize(kept), sds.resize(kept), standardised.resize(kept), result.columns.resize(kept);
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
  screenColumns(options, result, used, means, sds, standardised);
  Points x(n, std::vector<double>(used.size()));
  for (size_t r = 0; r < n; ++r)
    for (size_t j = 0; j < used.size(); ++j) x[r][j] = standardised[j][r];
  const int minK = options.k > 0 ? options.k : 2, maxK = options.k > 0 ? options.k : options.maxK;
  if (n < static_cast<size_t>(std::max(minK, 2)) + 1)
    throw Error("", "--k", std::to_string(n) + " rows are too few for " + std::to_string(minK) + " clusters");
  KMeans chosen;
  for (int k = minK; k <= std::min<int>(maxK, static_cast<int>(n) - 1); ++k) {
    std::mt19937 random(options.seed + 7919u * static_cast<unsigned>(k));
    KMeans best = bestKMeans(x, k, options.restarts, random);
    const double s = meanSilhouette(x, best.assignment, k);
    result.silhouetteByK.emplace_back(k, s);
    if (chosen.assignment.empty() || s > result.silhouette + 1e-12)
      chosen = best, result.silhouette = s, result.k = k;
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
  result.centres.assign(static_cast<size_t>(result.k), std::vector<double>(used.size(), 0));
  result.sizes.assign(static_cast<size_t>(result.k), 0);
  for (size_t r = 0; r < n; ++r) {
    const auto c = static_cast<size_t>(result.assignment[r]);
    ++result.sizes[c];
    for (size_t j = 0; j < used.size(); ++j) result.centres[c][j] += x[r][j];
  }
  for (size_t c = 0; c < result.centres.size(); ++c)  // means of the standardised values, back in the columns' units
    for (size_t j = 0; j < used.size(); ++j)
      result.centres[c][j] = result.centres[c][j] / static_cast<double>(result.sizes[c]) * sds[j] + means[j];
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
