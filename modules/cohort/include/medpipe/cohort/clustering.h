#pragma once
// k-means clusters of a cohort on standardised columns; k given, or chosen by the mean silhouette.
// By default only the columns that fall into groups of their own are clustered (screen below), so
// that columns which merely vary (noise, size) do not outweigh the one that separates groups.
// Seeded: the same database and options give the same clusters.
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/cohort/cohort_matrix.h"

namespace medpipe::cohort {

enum class ColumnScreen {
  Groups,  // columns whose own 1-D k-means has a strong structure (mean silhouette >= screenSilhouette)
  None,    // every column that varies
};

struct ClusterOptions {
  int k = 0;         // 0: choose k in 2..maxK by the mean silhouette
  int maxK = 8;
  unsigned seed = 1;
  int restarts = 20;  // k-means++ starts per k; the lowest within-cluster sum of squares wins
  // Of columns correlated above this (|Pearson r|), only the first is used: a quantity measured
  // by several steps (volumes, voxel counts) would otherwise weigh several times. 1: keep all.
  double maxCorrelation = 0.95;
  ColumnScreen screen = ColumnScreen::Groups;
  // Kaufman and Rousseeuw's "strong structure" (Finding Groups in Data, 1990): mean silhouette >= 0.71.
  double screenSilhouette = 0.71;
  // A one-column grouping counts only when its smallest group holds this share of the rows: one
  // extreme value is an outlier (`cohort outliers`), not a group.
  double smallestGroup = 0.05;
  size_t sampleRows = 1000;  // the screen runs on a seeded sample of at most this many rows
};

struct ClusterResult {
  int k = 0;
  std::vector<int> assignment;  // per matrix row, 0..k-1, clusters numbered by size (0 largest)
  double silhouette = 0;        // mean silhouette of the chosen k
  std::vector<std::pair<int, double>> silhouetteByK;  // every k tried (auto)
  std::vector<std::string> columns;                   // columns used
  std::vector<double> structure;                      // per column used: its own best 1-D silhouette (screen)
  bool screened = false;                              // only columns with groups of their own are used
  std::vector<std::string> screenedOut;               // varying columns without groups of their own
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
