#pragma once
// The minimum covariance determinant (FastMCD, Rousseeuw and Van Driessen 1999) with reweighting,
// on Eigen (private to the cohort module).
#include <Eigen/Dense>

namespace medpipe::cohort {

struct RobustCovariance {
  Eigen::VectorXd location;
  Eigen::MatrixXd scatter;
  int rows = 0;  // rows of the final (reweighted) estimate
};

// `x`: one row per observation, no missing values; needs more rows than columns. Deterministic for
// a seed. The scatter is made consistent at the normal model and reweighted at chi^2(p, 0.975).
RobustCovariance minimumCovarianceDeterminant(const Eigen::MatrixXd& x, unsigned seed);

// Squared Mahalanobis distances of the rows of x under `c`.
Eigen::VectorXd mahalanobisSquared(const Eigen::MatrixXd& x, const RobustCovariance& c);

}  // namespace medpipe::cohort
