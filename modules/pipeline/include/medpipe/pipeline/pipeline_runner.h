#pragma once
// Runs a planned pipeline on one input volume: steps in dependency order, each intermediate
// released as soon as no later step needs it, outputs written atomically, provenance recorded.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/pipeline/config_validation.h"

namespace medpipe {

class UidMap;

// Where the input volume came from, for provenance and resuming.
struct InputIdentity {
  std::string description;              // "series 3 'T1 MPRAGE'" or the file name
  std::vector<std::string> seriesUids;  // empty for image files
  std::string contentHash;              // of the input files' bytes
  const SeriesVolume* dicomSource = nullptr;  // the input series, for DICOM outputs; null for image files
  // With `input: rois:`: the ROIs of the "rois" label map (name, colour), for its DICOM SEG output.
  std::vector<RegionInfo> rois{};
  std::string scanner;  // "Manufacturer Model" of a DICOM input, for the report; empty for image files
  std::string health;   // the series' health findings as `scan` says them ("OK", ...); empty for image files
};

struct StepReport {
  std::string step, stage;
  double seconds = 0;
};

struct UnitReport {
  std::filesystem::path outputFolder;
  std::vector<std::filesystem::path> outputs;
  std::vector<StepReport> steps;
  bool skipped = false;  // finished earlier with the same config and input
};

// Called when a step starts (fraction < 0), as it progresses (0 <= fraction < 1) and once when it
// has finished (fraction 1).
using StepProgress = std::function<void(size_t index, size_t count, const std::string& step, double fraction)>;

struct RunOptions {
  bool force = false;  // redo units whose outputs are already complete
  ImageWriteOptions write;
  StepProgress onProgress;
  const Progress* cancel = nullptr;  // cancellation shared with the caller (SIGINT)
  // The run's UID map for de-identified DICOM outputs, shared by every unit (runBatch makes one
  // when null); with `run --uid-map` it is kept in a file shared by every process (deidentify.h).
  UidMap* uids = nullptr;
  // Called before a unit's steps (not for a unit skipped as complete) with its input volume and
  // folder: the CLI starts the batch report's 3D picture of the unit here (it has VTK, the pipeline
  // module does not), to be drawn beside the steps. The function it returns (if any) is called once
  // the steps have run; when they fail it is dropped uncalled, which must stop what was started.
  // Neither may throw.
  std::function<std::function<void()>(const ImageF& input, const InputIdentity& identity,
                                      const std::filesystem::path& folder)>
      startReportPicture;
  // Versions the pipeline module cannot know (VTK when the caller is built with it), for provenance.
  std::map<std::string, std::string> extraVersions;
};

// A hash of everything in the config that decides the outputs (steps, parameters, outputs).
std::string configHash(const PipelineConfig& config, const PipelinePlan& plan);

// FNV-1a 64 over the bytes of `files`, in the given order, as 16 hex digits.
std::string hashFiles(const std::vector<std::filesystem::path>& files);

// `rois`: the label map of the config's `input: rois:` on the input's grid (the pseudo-step "rois").
UnitReport runPipelineUnit(const PipelineConfig& config, const PipelinePlan& plan, const ImageF::Pointer& input,
                           const InputIdentity& identity, const std::filesystem::path& outputFolder,
                           const RunOptions& options, const LabelImage::Pointer& rois = nullptr);

// True when `outputFolder` holds a provenance record of this config and input with every output.
bool unitIsComplete(const std::filesystem::path& outputFolder, const std::string& configHashValue,
                    const std::string& inputHash, const PipelineConfig& config);

}  // namespace medpipe
