#pragma once
// Reads what `medpipe run` left in one unit's folder: status, provenance, series facts and every
// table the pipeline wrote (private to the cohort module).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medpipe/cohort/series_facts.h"

namespace medpipe::cohort {

struct Measurement {
  std::string step, feature;
  long long label = 0;
  double value = kMissing;
};

struct UnitRecord {
  std::string unit;                 // the unit ID (its folder name)
  std::filesystem::path folder;
  std::string status = "incomplete";  // ok | failed | incomplete
  std::string error;
  double seconds = kMissing;
  std::string configHash, inputHash, medpipeVersion;
  std::vector<std::string> seriesUids;  // from provenance.json; PHI, hashed before storing
  std::optional<SeriesFacts> facts;     // from series.json when the run wrote one
  std::vector<Measurement> measurements;
  std::string fingerprint;  // changes whenever the folder's records or tables change
};

// The folders below `outputFolder` (and the folder itself) that hold a unit: a provenance.json
// or status.json, or a name listed in summary.tsv. Sorted by name.
std::vector<std::filesystem::path> findUnitFolders(const std::filesystem::path& outputFolder);

// Only the fingerprint (cheap: file sizes and times, records' bytes), to skip unchanged units.
std::string unitFingerprint(const std::filesystem::path& folder);

// Everything; throws medpipe::Error naming the file and field when a record or table is malformed.
UnitRecord readUnitFolder(const std::filesystem::path& folder, const std::string& unitId);

// A table written by a stage (CSV or the JSON array of objects LabelTable writes), in long form.
// A "label" column gives each row's label; otherwise a one-row table is label 0 and rows are 1, 2, ...
std::vector<Measurement> readTableFile(const std::filesystem::path& file, const std::string& step);

}  // namespace medpipe::cohort
