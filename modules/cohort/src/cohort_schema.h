#pragma once
// The cohort database's tables (docs/cohort.md documents them) and the wide table rebuilt from
// the long one (private to the cohort module).
#include <filesystem>
#include <string>
#include <vector>

#include "sqlite_db.h"

namespace medpipe::cohort {

// Creates the tables that are missing; throws medpipe::Error when the file is another schema version.
void ensureSchema(SqliteDb& db);

// The numeric series-fact columns of `series`, in table order (what mining commands may use).
const std::vector<std::string>& numericFactColumns();

// Rebuilds `wide_features` (one row per unit and label, one column per step.feature) and the
// `wide` view over units, series and it. Returns the number of rows of wide_features.
size_t rebuildWideTable(SqliteDb& db, bool includePhi);

// Writes the `wide` view as CSV (ordered by unit and label), atomically; returns the row count.
size_t writeWideCsv(SqliteDb& db, const std::filesystem::path& path);

}  // namespace medpipe::cohort
