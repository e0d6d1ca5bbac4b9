#include "medpipe/cohort/cohort_matrix.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "cohort_schema.h"
#include "medpipe/cohort/cohort_build.h"
#include "medpipe/core/error.h"

namespace medpipe::cohort {
namespace fs = std::filesystem;

fs::path cohortDatabasePath(const fs::path& databaseOrFolder) {
  std::error_code ec;
  const fs::path path = fs::is_directory(databaseOrFolder, ec) ? databaseOrFolder / kCohortDatabaseName : databaseOrFolder;
  if (!fs::is_regular_file(path, ec))
    throw Error(path.string(), "", "no cohort database (make one with `medpipe cohort build OUT`)");
  return path;
}

double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (position - static_cast<double>(below)) * (values[above] - values[below]);
}

CohortMatrix rowsWithLabel(const CohortMatrix& m, long long label) {
  CohortMatrix out;
  out.columns = m.columns;
  for (size_t r = 0; r < m.values.size(); ++r)
    if (m.labels[r] == label) out.units.push_back(m.units[r]), out.labels.push_back(label), out.values.push_back(m.values[r]);
  return out;
}

CohortMatrix loadCohortMatrix(const fs::path& database, const std::vector<std::string>& patterns) {
  SqliteDb db(cohortDatabasePath(database), false);
  if (!db.hasTable("wide")) throw Error(db.path().string(), "wide", "not a cohort database (no wide view)");
  std::vector<std::string> candidates = numericFactColumns();
  {
    auto features = db.prepare("SELECT step || '.' || feature FROM features ORDER BY feature_id");
    while (features.step()) candidates.push_back(features.text(0));
  }
  CohortMatrix m;
  for (const auto& pattern : patterns) {
    bool matched = false;
    for (const auto& c : candidates) {
      if (fnmatch(pattern.c_str(), c.c_str(), 0) != 0) continue;
      matched = true;
      if (std::find(m.columns.begin(), m.columns.end(), c) == m.columns.end()) m.columns.push_back(c);
    }
    if (!matched) throw Error(db.path().string(), "--columns", "'" + pattern + "' matches no column");
  }
  if (patterns.empty()) m.columns = candidates;
  std::string sql = "SELECT unit, label";
  for (const auto& c : m.columns) sql += ", " + quoteIdentifier(c);
  auto rows = db.prepare(sql + " FROM wide WHERE status = 'ok' AND label IS NOT NULL ORDER BY unit, label");
  while (rows.step()) {
    m.units.push_back(rows.text(0));
    m.labels.push_back(rows.integer(1));
    auto& row = m.values.emplace_back(m.columns.size());
    for (size_t c = 0; c < m.columns.size(); ++c) row[c] = rows.real(static_cast<int>(c) + 2);
  }
  return m;
}

}  // namespace medpipe::cohort
