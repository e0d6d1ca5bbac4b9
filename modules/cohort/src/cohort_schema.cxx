#include "cohort_schema.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "medpipe/cohort/cohort_build.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"

namespace medpipe::cohort {
namespace fs = std::filesystem;
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS cohort_meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS units (
  unit_id INTEGER PRIMARY KEY,
  unit TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'incomplete', 'missing')),
  error TEXT,
  seconds REAL,
  config_hash TEXT,
  input_hash TEXT,
  medpipe_version TEXT,
  series_uid_hash TEXT,
  study_uid_hash TEXT,
  series_uid TEXT,
  study_uid TEXT,
  patient_id TEXT,
  accession_number TEXT,
  fingerprint TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (
  unit_id INTEGER PRIMARY KEY REFERENCES units (unit_id),
  modality TEXT, manufacturer TEXT, model TEXT, kernel TEXT,
  kvp REAL, tube_current_ma REAL, slice_thickness_mm REAL,
  spacing_x_mm REAL, spacing_y_mm REAL, spacing_z_mm REAL,
  size_x INTEGER, size_y INTEGER, size_z INTEGER, slices_read INTEGER,
  missing_slices INTEGER, nonuniform_spacing INTEGER, gantry_tilt_deg REAL,
  health TEXT);
CREATE TABLE IF NOT EXISTS features (
  feature_id INTEGER PRIMARY KEY,
  step TEXT NOT NULL,
  feature TEXT NOT NULL,
  UNIQUE (step, feature));
CREATE TABLE IF NOT EXISTS measurement_values (
  unit_id INTEGER NOT NULL REFERENCES units (unit_id),
  label INTEGER NOT NULL,
  feature_id INTEGER NOT NULL REFERENCES features (feature_id),
  value REAL,
  PRIMARY KEY (unit_id, label, feature_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS measurement_values_by_feature ON measurement_values (feature_id, value);
CREATE INDEX IF NOT EXISTS units_by_status ON units (status);
CREATE VIEW IF NOT EXISTS measurements AS
  SELECT u.unit, f.step, m.label, f.feature, m.value
  FROM measurement_values m JOIN units u USING (unit_id) JOIN features f USING (feature_id);
)sql";

const char* const kFactColumns[] = {"modality", "manufacturer", "model", "kernel", "kvp", "tube_current_ma",
                                    "slice_thickness_mm", "spacing_x_mm", "spacing_y_mm", "spacing_z_mm",
                                    "size_x", "size_y", "size_z", "slices_read", "missing_slices",
                                    "nonuniform_spacing", "gantry_tilt_deg", "health"};

std::string csvCell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

const std::vector<std::string>& numericFactColumns() {
  static const std::vector<std::string> columns = {
      "kvp",    "tube_current_ma", "slice_thickness_mm", "spacing_x_mm",   "spacing_y_mm",      "spacing_z_mm",
      "size_x", "size_y",          "size_z",             "slices_read",    "missing_slices",    "nonuniform_spacing",
      "gantry_tilt_deg"};
  return columns;
}

void ensureSchema(SqliteDb& db) {
  db.exec(kSchema);
  // Databases from before accession numbers: the column is added (NULL until a --show-phi build).
  bool hasAccession = false;
  {
    auto columns = db.prepare("PRAGMA table_info(units)");
    while (columns.step()) hasAccession = hasAccession || columns.text(1) == "accession_number";
  }
  if (!hasAccession) db.exec("ALTER TABLE units ADD COLUMN accession_number TEXT");
  auto version = db.prepare("SELECT value FROM cohort_meta WHERE key = 'schema_version'");
  if (version.step()) {
    if (version.text(0) != std::to_string(kCohortSchemaVersion))
      throw Error(db.path().string(), "schema_version",
                  "database schema " + version.text(0) + ", this medpipe writes " + std::to_string(kCohortSchemaVersion) +
                      " (move the old file away to rebuild it)");
    return;
  }
  db.prepare("INSERT INTO cohort_meta VALUES ('schema_version', ?)").bind(1, std::to_string(kCohortSchemaVersion)).run();
}

size_t rebuildWideTable(SqliteDb& db, bool includePhi) {
  std::vector<long long> featureIds;
  std::vector<std::string> names;
  {
    auto features = db.prepare("SELECT feature_id, step || '.' || feature FROM features ORDER BY feature_id");
    while (features.step()) featureIds.push_back(features.integer(0)), names.push_back(features.text(1));
  }
  if (names.size() > 1900)
    throw Error(db.path().string(), "features", std::to_string(names.size()) +
                                                    " feature columns, more than the wide table's limit of 1900 (SQLite's column limit)");
  db.exec("DROP VIEW IF EXISTS wide; DROP TABLE IF EXISTS wide_features;");
  std::string create = "CREATE TABLE wide_features (unit_id INTEGER NOT NULL, label INTEGER NOT NULL";
  std::string insert = "INSERT INTO wide_features VALUES (?, ?";
  for (const auto& n : names) create += ", " + quoteIdentifier(n) + " REAL", insert += ", ?";
  db.exec(create + ", PRIMARY KEY (unit_id, label)) WITHOUT ROWID");
  auto add = db.prepare(insert + ")");

  std::vector<int> slot;  // feature_id -> column
  for (size_t i = 0; i < featureIds.size(); ++i) {
    if (slot.size() <= static_cast<size_t>(featureIds[i])) slot.resize(static_cast<size_t>(featureIds[i]) + 1, -1);
    slot[static_cast<size_t>(featureIds[i])] = static_cast<int>(i);
  }
  std::vector<double> row(names.size(), kMissing);
  long long unit = -1, label = 0;
  size_t rows = 0;
  auto flush = [&] {
    if (unit < 0) return;
    add.bind(1, unit).bind(2, label);
    for (size_t i = 0; i < row.size(); ++i) add.bind(static_cast<int>(i) + 3, row[i]);
    add.run();
    std::fill(row.begin(), row.end(), kMissing);
    ++rows;
  };
  // In primary-key order: all of one unit and label together.
  auto values = db.prepare(
      "SELECT m.unit_id, m.label, m.feature_id, m.value FROM measurement_values m JOIN units u USING (unit_id) "
      "WHERE u.status = 'ok' ORDER BY m.unit_id, m.label");
  while (values.step()) {
    if (values.integer(0) != unit || values.integer(1) != label) {
      flush();
      unit = values.integer(0), label = values.integer(1);
    }
    row[static_cast<size_t>(slot.at(static_cast<size_t>(values.integer(2))))] = values.real(3);
  }
  flush();

  std::string view = "CREATE VIEW wide AS SELECT u.unit, w.label, u.status, u.error";
  for (const char* c : kFactColumns) view += std::string(", s.") + c;
  view += ", u.series_uid_hash, u.study_uid_hash";
  if (includePhi) view += ", u.series_uid, u.study_uid, u.patient_id, u.accession_number";
  for (const auto& n : names) view += ", w." + quoteIdentifier(n);
  view += " FROM units u LEFT JOIN series s USING (unit_id) LEFT JOIN wide_features w USING (unit_id)";
  db.exec(view);
  return rows;
}

size_t writeWideCsv(SqliteDb& db, const fs::path& path) {
  size_t rows = 0;
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(path.string(), "", "cannot write");
    auto s = db.prepare("SELECT * FROM wide ORDER BY unit, label");
    const int n = s.columnCount();
    for (int c = 0; c < n; ++c) out << (c ? "," : "") << csvCell(s.columnName(c));
    out << "\n";
    char number[32];
    while (s.step()) {
      for (int c = 0; c < n; ++c) {
        if (c) out << ',';
        if (s.isNull(c)) continue;
        if (s.isReal(c)) {
          std::snprintf(number, sizeof number, "%.10g", s.real(c));
          out << number;
        } else {
          out << csvCell(s.text(c));
        }
      }
      out << "\n";
      ++rows;
    }
    if (!out.flush()) throw Error(path.string(), "", "cannot write");
  });
  return rows;
}

}  // namespace medpipe::cohort
