#pragma once
// k-means clusters of a cohort on standardised columns; k given, or chosen by the mean silhouette.
// Seeded k-means++ starts: the same database and options give the same clusters.
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/cohort/cohort_matrix.h"

namespace medpipe::cohort {

struct ClusterOptions {
  int k = 0;         // 0: choose k in 2..maxK by the mean silhouette
  int maxK = 8;
  unsigned seed = 1;
  int restarts = 20;  // k-means++ starts per k; the lowest within-cluster sum of squares wins
  // Of columns correlated above this (|Pearson r|), only the first is used: a quantity measured
  // by several steps (volumes, voxel counts) would otherwise weigh several times. 1: keep all.
  double maxCorrelation = 0.95;
};

struct ClusterResult {
  int k = 0;
  std::vector<int> assignment;  // per matrix row, 0..k-1, clusters numbered by size (0 largest)
  double silhouette = 0;        // mean silhouette of the chosen k
  std::vector<std::pair<int, double>> silhouetteByK;  // every k tried (auto)
  std::vector<std::string> columns;                   // columns used
  std::vector<std::string> dropped;                   // left out: empty, constant, or a near-duplicate of a used one
  std::vector<std::vector<double>> centres;           // per cluster, per column, in the columns' units
  std::vector<size_t> sizes;
};

// Throws medpipe::Error when there are fewer rows than k or no varying column.
ClusterResult clusterCohort(const CohortMatrix& matrix, const ClusterOptions& options = {});

// Replaces the table `clusters` (unit, label, cluster, k, silhouette) of the database.
void writeClusters(const std::filesystem::path& database, const CohortMatrix& matrix, const ClusterResult& result);

// Hubert and Arabie's adjusted Rand index of two labellings of the same items (1 = identical).
double adjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace medpipe::cohort
