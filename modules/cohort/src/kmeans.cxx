#include "kmeans.h"

#include <algorithm>
#include <cmath>

namespace medpipe::cohort {
namespace {

double distance2(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

Points centresOf(const Points& x, const std::vector<int>& assignment, int k, Points previous) {
  Points sums(static_cast<size_t>(k), std::vector<double>(x[0].size(), 0));
  std::vector<size_t> counts(static_cast<size_t>(k), 0);
  for (size_t i = 0; i < x.size(); ++i) {
    auto& s = sums[static_cast<size_t>(assignment[i])];
    for (size_t j = 0; j < s.size(); ++j) s[j] += x[i][j];
    ++counts[static_cast<size_t>(assignment[i])];
  }
  for (size_t c = 0; c < sums.size(); ++c)  // an emptied cluster keeps its centre
    if (counts[c])
      for (size_t j = 0; j < sums[c].size(); ++j) previous[c][j] = sums[c][j] / static_cast<double>(counts[c]);
  return previous;
}

// Lloyd's iterations from the given centres to convergence.
KMeans lloyd(const Points& x, Points centres) {
  const size_t n = x.size();
  const int k = static_cast<int>(centres.size());
  KMeans r;
  r.centres = std::move(centres);
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
    r.centres = centresOf(x, r.assignment, k, std::move(r.centres));
  }
  r.inertia = 0;
  for (size_t i = 0; i < n; ++i) r.inertia += distance2(x[i], r.centres[static_cast<size_t>(r.assignment[i])]);
  return r;
}

Points kMeansPlusPlus(const Points& x, int k, std::mt19937& random) {
  const size_t n = x.size();
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  Points centres{x[pick(random)]};
  std::vector<double> d(n);
  while (static_cast<int>(centres.size()) < k) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      d[i] = std::numeric_limits<double>::infinity();
      for (const auto& c : centres) d[i] = std::min(d[i], distance2(x[i], c));
      total += d[i];
    }
    if (total <= 0) {
      centres.push_back(x[pick(random)]);
      continue;
    }
    std::uniform_real_distribution<double> u(0, total);
    double target = u(random);
    size_t i = 0;
    for (; i + 1 < n && target >= d[i]; ++i) target -= d[i];
    centres.push_back(x[i]);
  }
  return centres;
}

}  // namespace

KMeans bestKMeans(const Points& x, int k, int restarts, std::mt19937& random, const std::vector<int>& warm) {
  KMeans best;
  if (!warm.empty()) best = lloyd(x, centresOf(x, warm, k, Points(static_cast<size_t>(k), x[0])));
  for (int start = 0; start < restarts; ++start) {
    KMeans run = lloyd(x, kMeansPlusPlus(x, k, random));
    if (run.inertia < best.inertia) best = std::move(run);
  }
  return best;
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

}  // namespace medpipe::cohort
