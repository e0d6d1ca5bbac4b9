#pragma once
// Lloyd's k-means from seeded k-means++ starts, and the mean silhouette of a clustering: the
// building blocks of `cohort cluster` (clustering.cxx) and its column weighting (sparse_kmeans.cxx).
#include <limits>
#include <random>
#include <vector>

namespace medpipe::cohort {

using Points = std::vector<std::vector<double>>;  // per row, per column

struct KMeans {
  std::vector<int> assignment;  // per row, 0..k-1
  Points centres;
  double inertia = std::numeric_limits<double>::infinity();  // within-cluster sum of squares
};

// The lowest-inertia run of `restarts` k-means++ starts, and of a start from the centres of
// `warm` (a previous assignment) when it is given.
KMeans bestKMeans(const Points& x, int k, int restarts, std::mt19937& random, const std::vector<int>& warm = {});

double meanSilhouette(const Points& x, const std::vector<int>& assignment, int k);

}  // namespace medpipe::cohort
