#pragma once
// The cohort database: every unit of a batch output folder in one SQLite file (units, series
// facts, measurements in long form, a wide table) and the wide table as CSV. See docs/cohort.md.
#include <filesystem>
#include <functional>
#include <string>

namespace medpipe::cohort {

struct CohortBuildOptions {
  std::filesystem::path outputFolder;  // a `medpipe run` output folder (OUT/<unit>/...)
  // The DICOM export the batch ran on: series facts for units without a series.json of their own.
  std::filesystem::path dicomInput;
  bool includePhi = false;  // series/study UIDs and patient IDs in the database (--show-phi)
  std::function<void(const std::string& unit, const std::string& problem)> onUnitProblem;  // a unit not read
};

struct CohortBuildSummary {
  std::filesystem::path database, csv;
  size_t added = 0, replaced = 0, unchanged = 0, failed = 0, missing = 0;  // missing: in the DB, folder gone
  size_t units = 0, features = 0, measurements = 0, wideRows = 0;
  bool changed = false;  // false: nothing to do, the wide table and CSV were left as they were
};

// Creates or updates OUT/cohort.sqlite and rewrites OUT/cohort.csv. Incremental: a unit whose
// folder has not changed since the last build is not read again; a re-run unit replaces its rows.
// A new database appears whole (built beside, then renamed); an existing one changes in one
// transaction. Throws medpipe::Error naming the file and field at fault.
CohortBuildSummary buildCohort(const CohortBuildOptions& options);

constexpr const char* kCohortDatabaseName = "cohort.sqlite";
constexpr const char* kCohortCsvName = "cohort.csv";
constexpr int kCohortSchemaVersion = 1;

}  // namespace medpipe::cohort
