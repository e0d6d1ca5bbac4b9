#pragma once
// One pipeline over many inputs: every matching series of a DICOM folder or PACS export (or one
// image file) is a work unit with a stable ID; units run in parallel, a failed unit is reported
// and the others go on, finished units are skipped on the next run.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_volume_reader.h"
#include "medpipe/pipeline/pipeline_runner.h"

namespace medpipe {

struct WorkUnit {
  std::string id;           // "<series number>_<description>_<8 hex of the series UID>", or the file stem
  std::string description;  // for humans, without PHI
  SeriesVolume volume;      // DICOM input; empty for an image file
  std::filesystem::path imageFile;
  // With `input: rois:`: the RTSTRUCT/SEG objects that reference the unit's series (or the
  // `regions:` file); a unit runs with exactly one.
  std::vector<std::filesystem::path> regionFiles;
  std::vector<std::filesystem::path> files() const;  // the input's files and region files, hashed for resuming
};

struct WorkPlan {
  std::vector<WorkUnit> units;
  // DICOM files of the input whose header could not be read (their series cannot be known, so they
  // are not units): a run reports them beside its units and says so in its exit code.
  std::vector<UnreadableFolder> unreadable;
};

// The units the config's input selects, and what could not be read; throws medpipe::Error when no
// unit matches (naming the first unreadable file when nothing could be read).
WorkPlan planWork(const PipelineConfig& config);
// planWork(config).units.
std::vector<WorkUnit> planWorkUnits(const PipelineConfig& config);

struct UnitOutcome {
  std::string id, description;
  bool ok = false, skipped = false;
  std::string error;
  double seconds = 0;
  UnitReport report;
};

struct BatchOptions {
  std::filesystem::path outputFolder;
  int jobs = 1;  // units run at once; ITK's threads are divided among them
  IrregularGeometry irregular = IrregularGeometry::Resample;
  RunOptions run;
  std::function<void(const UnitOutcome&)> onUnitDone;
  bool unitFolders = false;  // OUTPUT/<unit id>/ even for a single unit (workflow engines, --unit)
};

// The folder a unit's outputs go to, as runBatch chooses it.
std::filesystem::path unitOutputFolder(const BatchOptions& options, const WorkUnit& unit, size_t unitCount);

// Keeps the unit with this id; throws medpipe::Error naming it (with a did-you-mean) if absent.
WorkUnit selectUnit(const std::vector<WorkUnit>& units, const std::string& id);

// With one unit, outputs go straight into outputFolder; with several, into outputFolder/<unit id>/.
std::vector<UnitOutcome> runBatch(const PipelineConfig& config, const PipelinePlan& plan,
                                  const std::vector<WorkUnit>& units, const BatchOptions& options);

}  // namespace medpipe
