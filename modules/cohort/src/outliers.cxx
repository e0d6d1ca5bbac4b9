#include "medpipe/cohort/outliers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "medpipe/core/error.h"
#include "distributions.h"
#include "robust_covariance.h"
#include "sqlite_db.h"

namespace medpipe::cohort {
namespace {

std::string format(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

struct ColumnStats {
  double median = 0, scale = 0, q1 = 0, q3 = 0;
  bool usable = false;
};

// Median and a robust scale: 1.4826 MAD, or where more than half the values are equal (MAD 0),
// 1.2533 times the mean absolute deviation, so a lone different value still stands out.
ColumnStats columnStats(const std::vector<double>& values) {
  ColumnStats s;
  std::vector<double> finite;
  for (double v : values)
    if (std::isfinite(v)) finite.push_back(v);
  if (finite.size() < 5) return s;
  s.median = quantile(finite, 0.5);
  s.q1 = quantile(finite, 0.25), s.q3 = quantile(finite, 0.75);
  std::vector<double> deviations;
  double meanDeviation = 0;
  for (double v : finite) deviations.push_back(std::abs(v - s.median)), meanDeviation += std::abs(v - s.median);
  meanDeviation /= static_cast<double>(finite.size());
  const double mad = quantile(deviations, 0.5);
  s.scale = mad > 0 ? 1.4826 * mad : 1.2533 * meanDeviation;
  s.usable = s.scale > 1e-12 * std::max(1.0, std::abs(s.median));
  return s;
}

}  // namespace

namespace {

// One population: the rows of one label (a spine and an arm bone are not one distribution).
OutlierReport screenGroup(const CohortMatrix& m, const OutlierOptions& options) {
  OutlierReport report;
  report.rows = m.values.size();
  std::vector<size_t> used;
  std::vector<ColumnStats> stats;
  for (size_t c = 0; c < m.columns.size(); ++c) {
    std::vector<double> column;
    for (const auto& row : m.values) column.push_back(row[c]);
    const ColumnStats s = columnStats(column);
    if (!s.usable) continue;  // constant (or nearly empty): nothing to screen
    used.push_back(c);
    stats.push_back(s);
    report.columns.push_back(m.columns[c]);
    const double iqr = s.q3 - s.q1;
    const double zLow = s.median - options.zLimit * s.scale, zHigh = s.median + options.zLimit * s.scale;
    const double fenceLow = s.q1 - options.tukeyK * iqr, fenceHigh = s.q3 + options.tukeyK * iqr;
    for (size_t r = 0; r < m.values.size(); ++r) {
      const double v = m.values[r][c];
      if (!std::isfinite(v)) continue;
      const double z = (v - s.median) / s.scale;
      if (std::abs(z) > options.zLimit)
        report.flags.push_back({m.units[r], m.labels[r], "robust-z", m.columns[c], v, zLow, zHigh, z,
                                m.columns[c] + " = " + format(v) + ": robust z " + format(z) + " (median " + format(s.median) +
                                    ", cohort range " + format(zLow) + " .. " + format(zHigh) + ", |z| > " + format(options.zLimit) + ")"});
      // Tukey's fences say nothing where the middle half of the cohort is one value.
      if (iqr > 0 && (v < fenceLow || v > fenceHigh))
        report.flags.push_back({m.units[r], m.labels[r], "tukey", m.columns[c], v, fenceLow, fenceHigh,
                                (v < fenceLow ? v - fenceLow : v - fenceHigh) / iqr,
                                m.columns[c] + " = " + format(v) + ": outside Tukey's fences " + format(fenceLow) + " .. " +
                                    format(fenceHigh) + " (quartiles " + format(s.q1) + ", " + format(s.q3) + ", k " +
                                    format(options.tukeyK) + ")"});
    }
  }

  // Across columns: robust z-scores (missing -> the median) under the MCD's covariance. A column
  // that nearly duplicates an earlier one (|r| > 0.95 on z-scores clipped at the z limit: voxels and
  // volume, say) is left out: the distance would otherwise measure rounding along their difference.
  const size_t n = m.values.size();
  auto z = [&](size_t r, size_t j) {
    const double v = m.values[r][used[j]];
    return std::isfinite(v) ? std::clamp((v - stats[j].median) / stats[j].scale, -options.zLimit, options.zLimit) : 0.0;
  };
  std::vector<size_t> kept;  // indices into `used`
  for (size_t j = 0; j < used.size(); ++j) {
    bool duplicate = false;
    for (size_t i : kept) {
      double sij = 0, sii = 0, sjj = 0, mi = 0, mj = 0;
      for (size_t r = 0; r < n; ++r) mi += z(r, i), mj += z(r, j);
      mi /= static_cast<double>(n), mj /= static_cast<double>(n);
      for (size_t r = 0; r < n; ++r) {
        const double a = z(r, i) - mi, b = z(r, j) - mj;
        sij += a * b, sii += a * a, sjj += b * b;
      }
      if (sii > 0 && sjj > 0 && std::abs(sij / std::sqrt(sii * sjj)) > 0.95) duplicate = true;
      if (duplicate) break;
    }
    if (!duplicate) kept.push_back(j);
  }
  const size_t p = kept.size();
  if (!options.mahalanobis) {
    report.note = "robust Mahalanobis not asked for";
  } else if (p < 2) {
    report.note = "robust Mahalanobis skipped: fewer than 2 varying columns";
  } else if (n < 5 * p) {
    report.note = "robust Mahalanobis skipped: " + std::to_string(n) + " rows for " + std::to_string(p) +
                  " columns (it needs at least 5 rows per column; choose fewer with --columns)";
  } else {
    Eigen::MatrixXd x(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(p));
    for (size_t r = 0; r < n; ++r)
      for (size_t j = 0; j < p; ++j) {
        const size_t c = kept[j];
        const double v = m.values[r][used[c]];
        x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = std::isfinite(v) ? (v - stats[c].median) / stats[c].scale : 0;
      }
    const RobustCovariance mcd = minimumCovarianceDeterminant(x, options.seed);
    const Eigen::VectorXd d2 = mahalanobisSquared(x, mcd);
    // Hotelling's T^2 for a new observation against m rows (Hardin and Rocke 2005 for the MCD):
    // p (m + 1)(m - 1) / (m (m - p)) F(p, m - p); chi^2(p) is its large-m limit and, with a few
    // rows per column, flags far too many clean rows.
    const double mRows = static_cast<double>(mcd.rows), pCols = static_cast<double>(p);
    const double cutoff = pCols * (mRows + 1) * (mRows - 1) / (mRows * (mRows - pCols)) *
                          fQuantile(options.chi2Quantile, pCols, mRows - pCols);
    for (size_t j : kept) report.mahalanobisColumns.push_back(report.columns[j]);
    for (size_t r = 0; r < n; ++r) {
      const double d = d2[static_cast<Eigen::Index>(r)];
      if (!(d > cutoff)) continue;
      // Name the columns that stand out most for this row (largest |robust z|).
      std::vector<size_t> order(p);
      for (size_t j = 0; j < p; ++j) order[j] = j;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return std::abs(x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(a))) > std::abs(x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(b)));
      });
      std::string most;
      for (size_t j = 0; j < std::min<size_t>(3, p); ++j)
        most += (j ? ", " : "") + report.mahalanobisColumns[order[j]] + " (z " + format(x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(order[j]))) + ")";
      report.flags.push_back({m.units[r], m.labels[r], "mahalanobis", std::to_string(p) + " columns", d, 0, cutoff, d / cutoff,
                              "robust Mahalanobis d^2 " + format(d) + " > " + format(cutoff) + " (MCD on " + std::to_string(p) +
                                  " columns, T^2 quantile " + format(options.chi2Quantile) + "); most unusual: " + most});
    }
  }
  return report;
}

}  // namespace

OutlierReport findOutliers(const CohortMatrix& m, const OutlierOptions& options) {
  std::map<long long, CohortMatrix> groups;
  for (size_t r = 0; r < m.values.size(); ++r) {
    CohortMatrix& g = groups[m.labels[r]];
    g.columns = m.columns;
    g.units.push_back(m.units[r]), g.labels.push_back(m.labels[r]), g.values.push_back(m.values[r]);
  }
  OutlierReport report;
  report.rows = m.values.size();
  auto merge = [](std::vector<std::string>& into, const std::vector<std::string>& from) {
    for (const auto& c : from)
      if (std::find(into.begin(), into.end(), c) == into.end()) into.push_back(c);
  };
  for (const auto& [label, group] : groups) {
    OutlierReport g = screenGroup(group, options);
    merge(report.columns, g.columns);
    merge(report.mahalanobisColumns, g.mahalanobisColumns);
    if (!g.note.empty()) report.note += (report.note.empty() ? "label " : "; label ") + std::to_string(label) + ": " + g.note;
    report.flags.insert(report.flags.end(), g.flags.begin(), g.flags.end());
  }
  return report;
}

void writeOutliers(const std::filesystem::path& database, const OutlierReport& report) {
  SqliteDb db(cohortDatabasePath(database), false);
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("DROP TABLE IF EXISTS outliers; CREATE TABLE outliers (unit TEXT NOT NULL, label INTEGER NOT NULL, rule TEXT NOT NULL, "
            "column_name TEXT NOT NULL, value REAL, range_low REAL, range_high REAL, score REAL, detail TEXT)");
    auto insert = db.prepare("INSERT INTO outliers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& f : report.flags)
      insert.bind(1, f.unit).bind(2, f.label).bind(3, f.rule).bind(4, f.column).bind(5, f.value).bind(6, f.low)
          .bind(7, f.high).bind(8, f.score).bind(9, f.detail).run();
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace medpipe::cohort
