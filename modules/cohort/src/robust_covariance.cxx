#include "robust_covariance.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "medpipe/cohort/outliers.h"

namespace medpipe::cohort {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

struct Fit {
  VectorXd mean;
  MatrixXd cov;
  double logDet = 0;
};

// Mean and covariance of the chosen rows; a tiny ridge keeps collinear columns (voxels and
// volume, say) invertible without moving the distances of real data noticeably.
Fit fitRows(const MatrixXd& x, const std::vector<int>& rows) {
  Fit f;
  const auto n = static_cast<double>(rows.size());
  f.mean = VectorXd::Zero(x.cols());
  for (int r : rows) f.mean += x.row(r).transpose();
  f.mean /= n;
  f.cov = MatrixXd::Zero(x.cols(), x.cols());
  for (int r : rows) {
    const VectorXd d = x.row(r).transpose() - f.mean;
    f.cov.noalias() += d * d.transpose();
  }
  f.cov /= std::max(1.0, n - 1);
  const double ridge = 1e-6 * std::max(1e-12, f.cov.trace() / static_cast<double>(x.cols()));
  f.cov.diagonal().array() += ridge;
  Eigen::LLT<MatrixXd> llt(f.cov);
  const MatrixXd l = llt.matrixL();
  f.logDet = 2 * l.diagonal().array().log().sum();
  return f;
}

VectorXd distances(const MatrixXd& x, const VectorXd& mean, const MatrixXd& cov) {
  Eigen::LLT<MatrixXd> llt(cov);
  const MatrixXd centred = (x.rowwise() - mean.transpose()).transpose();
  const MatrixXd solved = llt.matrixL().solve(centred);
  return solved.colwise().squaredNorm().transpose();
}

std::vector<int> smallest(const VectorXd& d, int h) {
  std::vector<int> order(static_cast<size_t>(d.size()));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + h, order.end(), [&](int a, int b) { return d[a] < d[b] || (d[a] == d[b] && a < b); });
  order.resize(static_cast<size_t>(h));
  return order;
}

// C-steps: the h rows closest under the current fit give the next fit; the determinant never grows.
Fit concentrate(const MatrixXd& x, Fit f, int h, int steps) {
  for (int i = 0; i < steps; ++i) {
    Fit next = fitRows(x, smallest(distances(x, f.mean, f.cov), h));
    const bool converged = next.logDet >= f.logDet - 1e-12;
    f = std::move(next);
    if (converged) break;
  }
  return f;
}

double median(VectorXd v) {
  std::sort(v.data(), v.data() + v.size());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

RobustCovariance minimumCovarianceDeterminant(const MatrixXd& x, unsigned seed) {
  const int n = static_cast<int>(x.rows()), p = static_cast<int>(x.cols());
  // h = 3/4 of the rows: up to a quarter may be outliers, and the scatter is estimated far more
  // efficiently than with the maximal-breakdown (n + p + 1) / 2 (fewer clean rows flagged).
  const int h = std::min(n, std::max((n + p + 1) / 2, (3 * n + 3) / 4));
  std::mt19937 random(seed);
  std::vector<int> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  // 500 random (p+1)-subsets, two C-steps each; the best 10 are iterated to convergence.
  std::vector<Fit> starts;
  for (int trial = 0; trial < 500; ++trial) {
    std::shuffle(all.begin(), all.end(), random);
    std::vector<int> subset(all.begin(), all.begin() + std::min(n, p + 1));
    starts.push_back(concentrate(x, fitRows(x, subset), h, 2));
  }
  std::sort(starts.begin(), starts.end(), [](const Fit& a, const Fit& b) { return a.logDet < b.logDet; });
  Fit best = concentrate(x, starts.front(), h, 100);
  for (size_t i = 1; i < std::min<size_t>(10, starts.size()); ++i) {
    Fit f = concentrate(x, starts[i], h, 100);
    if (f.logDet < best.logDet) best = std::move(f);
  }
  // Consistency at the normal model, then one reweighting step on the rows within chi^2(p, 0.975).
  const double p2 = static_cast<double>(p);
  best.cov *= median(distances(x, best.mean, best.cov)) / chiSquareQuantile(p2, 0.5);
  const VectorXd d = distances(x, best.mean, best.cov);
  std::vector<int> inliers;
  int used = h;
  for (int r = 0; r < n; ++r)
    if (d[r] <= chiSquareQuantile(p2, 0.975)) inliers.push_back(r);
  if (static_cast<int>(inliers.size()) > p) {
    best = fitRows(x, inliers);
    used = static_cast<int>(inliers.size());
    best.cov *= median(distances(x, best.mean, best.cov)) / chiSquareQuantile(p2, 0.5);
  }
  return {best.mean, best.cov, used};
}

VectorXd mahalanobisSquared(const MatrixXd& x, const RobustCovariance& c) { return distances(x, c.location, c.scatter); }

}  // namespace medpipe::cohort
