#include "medpipe/cohort/cohort_build.h"

#include <chrono>
#include <ctime>
#include <map>
#include <optional>

#include "cohort_schema.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/pipeline/batch_runner.h"
#include "unit_folder.h"

namespace medpipe::cohort {
namespace fs = std::filesystem;
namespace {

std::string nowUtc() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

// Series facts of every unit of the export the batch ran on, by unit ID (the IDs `run` gives).
std::map<std::string, SeriesFacts> factsFromExport(const fs::path& input, bool includePhi) {
  PipelineConfig config;
  config.inputPath = input.string();
  std::map<std::string, SeriesFacts> facts;
  for (const auto& unit : planWorkUnits(config))
    if (unit.imageFile.empty()) facts[unit.id] = seriesFactsFromVolume(unit.volume, includePhi);
  return facts;
}

class CohortWriter {
 public:
  CohortWriter(SqliteDb& db, bool includePhi) : db_(db), includePhi_(includePhi) {
    auto units = db.prepare("SELECT unit, unit_id, fingerprint, status FROM units");
    while (units.step()) known_[units.text(0)] = {units.integer(1), units.text(2), units.text(3)};
    auto features = db.prepare("SELECT step, feature, feature_id FROM features");
    while (features.step()) featureIds_[{features.text(0), features.text(1)}] = features.integer(2);
  }

  struct Known {
    long long id;
    std::string fingerprint, status;
  };
  const Known* find(const std::string& unit) const {
    const auto it = known_.find(unit);
    return it == known_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, Known>& known() const { return known_; }

  // Replaces everything stored about the unit.
  void write(const UnitRecord& r, const std::optional<SeriesFacts>& facts, const std::string& now) {
    const Known* k = find(r.unit);
    long long id;
    if (k) {
      id = k->id;
      deleteMeasurements_.bind(1, id).run();
      deleteSeries_.bind(1, id).run();
    } else {
      insertUnit_.bind(1, r.unit).run();
      id = sqlite3_last_insert_rowid(db_.handle());
    }
    std::string seriesHash = facts ? facts->seriesUidHash : "", studyHash = facts ? facts->studyUidHash : "";
    if (seriesHash.empty() && !r.seriesUids.empty()) seriesHash = hashIdentifier(r.seriesUids.front());
    auto& u = updateUnit_;
    u.bind(1, r.status).bind(2, r.error).bind(3, r.seconds).bind(4, r.configHash).bind(5, r.inputHash);
    u.bind(6, r.medpipeVersion).bind(7, seriesHash).bind(8, studyHash);
    if (includePhi_ && facts) u.bind(9, facts->seriesUid).bind(10, facts->studyUid).bind(11, facts->patientId).bind(12, facts->accessionNumber);
    else if (includePhi_ && !r.seriesUids.empty()) u.bind(9, r.seriesUids.front()).bindNull(10).bindNull(11).bindNull(12);
    else u.bindNull(9).bindNull(10).bindNull(11).bindNull(12);
    u.bind(13, r.fingerprint).bind(14, now).bind(15, id).run();
    if (facts) {
      const SeriesFacts& f = *facts;
      auto& s = insertSeries_;
      s.bind(1, id).bind(2, f.modality).bind(3, f.manufacturer).bind(4, f.model).bind(5, f.kernel);
      s.bind(6, f.kvp).bind(7, f.tubeCurrentMa).bind(8, f.sliceThicknessMm);
      for (int i = 0; i < 3; ++i) s.bind(9 + i, f.spacingMm[static_cast<size_t>(i)]);
      for (int i = 0; i < 3; ++i) s.bind(12 + i, f.size[static_cast<size_t>(i)]);
      s.bind(15, f.slicesRead).bind(16, f.missingSlices).bind(17, f.nonUniformSpacing ? 1 : 0);
      s.bind(18, f.gantryTiltDegrees).bind(19, f.health).run();
    }
    if (r.status == "ok") {
      for (const auto& m : r.measurements) {
        insertMeasurement_.bind(1, id).bind(2, m.label).bind(3, featureId(m.step, m.feature)).bind(4, m.value).run();
        ++measurements_;
      }
    }
    known_[r.unit] = {id, r.fingerprint, r.status};
  }

  void markMissing(long long id, const std::string& now) {
    db_.prepare("UPDATE units SET status = 'missing', error = 'the unit folder is gone', updated_at = ? WHERE unit_id = ?")
        .bind(1, now).bind(2, id).run();
  }

  size_t measurementsWritten() const { return measurements_; }

 private:
  long long featureId(const std::string& step, const std::string& feature) {
    const auto it = featureIds_.find({step, feature});
    if (it != featureIds_.end()) return it->second;
    insertFeature_.bind(1, step).bind(2, feature).run();
    return featureIds_[{step, feature}] = sqlite3_last_insert_rowid(db_.handle());
  }

  SqliteDb& db_;
  bool includePhi_;
  std::map<std::string, Known> known_;
  std::map<std::pair<std::string, std::string>, long long> featureIds_;
  size_t measurements_ = 0;
  Statement insertUnit_ = db_.prepare("INSERT INTO units (unit, status, fingerprint, updated_at) VALUES (?, 'incomplete', '', '')");
  Statement updateUnit_ = db_.prepare(
      "UPDATE units SET status = ?, error = ?, seconds = ?, config_hash = ?, input_hash = ?, medpipe_version = ?, "
      "series_uid_hash = ?, study_uid_hash = ?, series_uid = ?, study_uid = ?, patient_id = ?, accession_number = ?, fingerprint = ?, "
      "updated_at = ? WHERE unit_id = ?");
  Statement deleteMeasurements_ = db_.prepare("DELETE FROM measurement_values WHERE unit_id = ?");
  Statement deleteSeries_ = db_.prepare("DELETE FROM series WHERE unit_id = ?");
  Statement insertSeries_ = db_.prepare("INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Statement insertFeature_ = db_.prepare("INSERT INTO features (step, feature) VALUES (?, ?)");
  Statement insertMeasurement_ = db_.prepare("INSERT INTO measurement_values VALUES (?, ?, ?, ?)");
};

void build(SqliteDb& db, const CohortBuildOptions& options, CohortBuildSummary& summary) {
  db.exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;");
  // Identifiers removed by a build without --show-phi must not linger in freed bytes of the file's
  // pages (FAST: zeroed within the page, no extra I/O).
  db.exec("PRAGMA secure_delete = FAST");
  db.exec("BEGIN IMMEDIATE");
  try {
    ensureSchema(db);
    // Switching --show-phi on or off re-reads every unit: the identifiers come from its records.
    bool rereadAll = false;
    {
      auto phi = db.prepare("SELECT value FROM cohort_meta WHERE key = 'show_phi'");
      rereadAll = phi.step() && phi.text(0) != (options.includePhi ? "1" : "0");
    }
    db.prepare("INSERT OR REPLACE INTO cohort_meta VALUES ('show_phi', ?)").bind(1, options.includePhi ? "1" : "0").run();
    // A build without --show-phi leaves no PHI behind from an earlier one with it.
    if (!options.includePhi) db.exec("UPDATE units SET series_uid = NULL, study_uid = NULL, patient_id = NULL, accession_number = NULL");
    CohortWriter writer(db, options.includePhi);
    const std::string now = nowUtc();
    std::optional<std::map<std::string, SeriesFacts>> exportFacts;
    std::map<std::string, bool> seen;
    const std::vector<fs::path> folders = findUnitFolders(options.outputFolder);
    // Loading most of the cohort at once: the value index is built after, not row by row.
    const bool bulk = folders.size() > 1000 && writer.known().size() < folders.size() / 2;
    if (bulk) db.exec("DROP INDEX IF EXISTS measurement_values_by_feature");
    for (const fs::path& folder : folders) {
      fs::path named = fs::absolute(folder).lexically_normal();
      if (named.filename().empty()) named = named.parent_path();  // "out/" -> "out"
      const std::string unit = named.filename().string();
      seen[unit] = true;
      const auto* known = writer.find(unit);
      if (known && !rereadAll && known->fingerprint == unitFingerprint(folder) && known->status != "missing") {
        ++summary.unchanged;
        continue;
      }
      UnitRecord record;
      try {
        record = readUnitFolder(folder, unit);
      } catch (const Error& e) {
        record = UnitRecord{};
        record.unit = unit;
        record.folder = folder;
        record.status = "failed";
        record.error = std::string("cannot read the unit's records: ") + e.what();
        record.fingerprint = unitFingerprint(folder);
        if (options.onUnitProblem) options.onUnitProblem(unit, e.what());
      }
      std::optional<SeriesFacts> facts = record.facts;
      // series.json never holds PHI: with --show-phi the export's headers are read for it.
      if ((!facts || options.includePhi) && !options.dicomInput.empty()) {
        if (!exportFacts) exportFacts = factsFromExport(options.dicomInput, options.includePhi);
        const auto it = exportFacts->find(unit);
        if (it != exportFacts->end()) facts = it->second;
      }
      if (!options.includePhi && facts) facts->seriesUid.clear(), facts->studyUid.clear(), facts->patientId.clear(), facts->accessionNumber.clear();
      (known ? summary.replaced : summary.added)++;
      writer.write(record, facts, now);
    }
    for (const auto& [unit, k] : writer.known())
      if (!seen.count(unit) && k.status != "missing") writer.markMissing(k.id, now), ++summary.missing;
    if (bulk) ensureSchema(db);  // the index again
    auto count = [&](const std::string& sql) {
      auto s = db.prepare(sql);
      s.step();
      return static_cast<size_t>(s.integer(0));
    };
    summary.changed = summary.added + summary.replaced + summary.missing > 0 || rereadAll || !db.hasTable("wide");
    summary.wideRows = summary.changed ? rebuildWideTable(db, options.includePhi) : count("SELECT COUNT(*) FROM wide_features");
    summary.units = count("SELECT COUNT(*) FROM units");
    summary.failed = count("SELECT COUNT(*) FROM units WHERE status IN ('failed', 'incomplete')");
    summary.features = count("SELECT COUNT(*) FROM features");
    summary.measurements = count("SELECT COUNT(*) FROM measurement_values");
    db.prepare("INSERT OR REPLACE INTO cohort_meta VALUES ('built_at', ?)").bind(1, now).run();
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace

CohortBuildSummary buildCohort(const CohortBuildOptions& options) {
  CohortBuildSummary summary;
  summary.database = options.outputFolder / kCohortDatabaseName;
  summary.csv = options.outputFolder / kCohortCsvName;
  std::error_code ec;
  if (!fs::is_directory(options.outputFolder, ec)) throw Error(options.outputFolder.string(), "", "not a folder");
  if (fs::exists(summary.database, ec)) {
    SqliteDb db(summary.database, false);
    build(db, options, summary);
    if (summary.changed || !fs::exists(summary.csv, ec)) writeWideCsv(db, summary.csv);
  } else {
    // A new database appears whole: built under a temporary name, renamed when complete.
    writeAtomically(summary.database, [&](const fs::path& tmp) {
      SqliteDb db(tmp, true);
      build(db, options, summary);
      writeWideCsv(db, summary.csv);
    });
  }
  return summary;
}

}  // namespace medpipe::cohort
