#include "medpipe/pipeline/batch_runner.h"

#include <itkMultiThreaderBase.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "medpipe/core/error.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/io/series_selector.h"
#include "medpipe/io/volume_naming.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

bool isImageFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && extensionAccepts(path.filename().string(), DataKind::Image);
}

std::string shortHash(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char out[9];
  std::snprintf(out, sizeof out, "%08llx", static_cast<unsigned long long>(h & 0xffffffffull));
  return out;
}

// The unit's region label map on the input's grid, or none when the config names no ROIs.
RegionMap readUnitRegions(const PipelineConfig& config, const WorkUnit& unit, const ImageF& input) {
  if (!config.roisGiven) return {};
  if (unit.regionFiles.empty())
    throw Error(config.regionsPath, "input.rois",
                config.regionsPath.empty() ? "no RTSTRUCT or SEG in the input references this series"
                                           : "the regions file references another series");
  if (unit.regionFiles.size() > 1)
    throw Error("", "input.rois",
                std::to_string(unit.regionFiles.size()) +
                    " RTSTRUCT/SEG objects reference this series: name one with input.regions");
  RegionReadOptions read;
  read.rois = config.rois;
  for (const auto& slice : unit.volume.slices) read.sliceUids.insert(slice.sopInstanceUid);
  return readRegionObject(unit.regionFiles.front(), input, read);
}

UnitOutcome runUnit(const PipelineConfig& config, const PipelinePlan& plan, const WorkUnit& unit, const fs::path& folder,
                    const BatchOptions& options) {
  UnitOutcome outcome;
  outcome.id = unit.id;
  outcome.description = unit.description;
  const auto start = std::chrono::steady_clock::now();
  try {
    InputIdentity identity{unit.description, {}, hashFiles(unit.files())};
    if (unit.imageFile.empty()) {
      identity.seriesUids.push_back(unit.volume.first().seriesInstanceUid);
      identity.dicomSource = &unit.volume;
    }
    RunOptions run = options.run;
    // Skip before reading: the hash of the files is enough to know the unit is done.
    if (!run.force && unitIsComplete(folder, configHash(config, plan), identity.contentHash, config)) {
      outcome.ok = outcome.skipped = true;
      outcome.report.outputFolder = folder;
      return outcome;
    }
    // The run's cancellation doubles as the reader's progress: reading stops between slices.
    StackHealth health;
    const ImageF::Pointer input = unit.imageFile.empty()
                                      ? readVolume(unit.volume, options.irregular, &health, options.run.cancel)
                                      : readImage(unit.imageFile);
    const RegionMap rois = readUnitRegions(config, unit, *input);
    identity.rois = rois.regions;
    if (unit.imageFile.empty()) {
      const DicomHeader& first = unit.volume.first();
      identity.scanner = first.manufacturer + (first.manufacturer.empty() || first.manufacturerModel.empty() ? "" : " ") +
                         first.manufacturerModel;
      identity.health = health.summary();
    }
    outcome.report = runPipelineUnit(config, plan, input, identity, folder, run, rois.labels);
    outcome.ok = true;
  } catch (const Error& e) {
    outcome.error = e.what();
  } catch (const std::exception& e) {
    outcome.error = e.what();
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace

std::vector<fs::path> WorkUnit::files() const {
  std::vector<fs::path> paths;
  if (!imageFile.empty()) paths.push_back(imageFile);
  for (const auto& s : volume.slices)
    if (paths.empty() || paths.back() != s.path) paths.push_back(s.path);
  paths.insert(paths.end(), regionFiles.begin(), regionFiles.end());
  return paths;
}

namespace {

// The region objects for the units: the `regions:` file, or every RTSTRUCT/SEG of the input, by the
// series each references (an object that cannot be read is left out; a unit that needs it says so).
std::map<std::string, std::vector<fs::path>> regionObjectsBySeries(const PipelineConfig& config, const DicomIndex* index) {
  std::map<std::string, std::vector<fs::path>> bySeries;
  if (!config.regionsPath.empty()) {
    bySeries[describeRegionObject(config.regionsPath).referencedSeriesUid].push_back(config.regionsPath);
    return bySeries;
  }
  if (index)
    for (const auto& h : index->regionObjects) try {
        bySeries[describeRegionObject(h.path).referencedSeriesUid].push_back(h.path);
      } catch (const Error&) {
      }
  return bySeries;
}

}  // namespace

WorkPlan planWork(const PipelineConfig& config) {
  const fs::path input = config.inputPath;
  if (input.empty()) throw Error("", "input", "no input: the config has no 'input:' and none was given");
  if (isImageFile(input)) {
    WorkUnit unit{input.stem().stem().string(), input.filename().string(), {}, input, {}};
    if (config.roisGiven && !config.regionsPath.empty()) unit.regionFiles = {config.regionsPath};
    return {{unit}, {}};
  }
  const DicomIndex index = indexDicomFolder(input);
  const auto regions = config.roisGiven ? regionObjectsBySeries(config, &index) : std::map<std::string, std::vector<fs::path>>{};
  const SeriesSelector selector(config.seriesSelector);
  WorkPlan plan;
  plan.unreadable = groupUnreadableByFolder(index.unreadable);
  std::vector<WorkUnit>& units = plan.units;
  for (const auto& volume : index.volumes) {
    if (!selector.matches(volume.first())) continue;
    const auto& h = volume.first();
    WorkUnit unit;
    unit.id = volumeFileStem(volume) + "_" + shortHash(h.seriesInstanceUid + "#" + std::to_string(volume.volumeInSeries));
    unit.description = "series " + std::to_string(h.seriesNumber) + " '" + h.seriesDescription + "' (" + h.modality + ", " +
                       std::to_string(volume.slices.size()) + " slices)";
    unit.volume = volume;
    if (const auto found = regions.find(h.seriesInstanceUid); found != regions.end()) unit.regionFiles = found->second;
    units.push_back(std::move(unit));
  }
  if (units.empty() && index.volumes.empty() && !index.unreadable.empty()) {
    const auto& first = plan.unreadable.front().first;
    throw Error(input.string(), "", "no readable DICOM images: " + std::to_string(index.unreadable.size()) +
                                        " file(s) could not be read, the first " + formatError(first));
  }
  if (units.empty())
    throw Error(input.string(), "", index.volumes.empty() ? "no DICOM images found" : "no series matches the selection");
  return plan;
}

std::vector<WorkUnit> planWorkUnits(const PipelineConfig& config) { return planWork(config).units; }

fs::path unitOutputFolder(const BatchOptions& options, const WorkUnit& unit, size_t unitCount) {
  return unitCount == 1 && !options.unitFolders ? options.outputFolder : options.outputFolder / unit.id;
}

WorkUnit selectUnit(const std::vector<WorkUnit>& units, const std::string& id) {
  std::vector<std::string> ids;
  for (const auto& u : units) {
    if (u.id == id) return u;
    ids.push_back(u.id);
  }
  const std::string close = closestName(id, ids);
  throw Error("", "unit", "no unit '" + id + "' in this input" + (close.empty() ? "" : " (did you mean '" + close + "'?)"));
}

std::vector<UnitOutcome> runBatch(const PipelineConfig& config, const PipelinePlan& plan, const std::vector<WorkUnit>& units,
                                  const BatchOptions& options) {
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(units.size())));
  // Divide the cores among parallel units instead of letting each ITK filter take them all.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(std::max(1, cores / jobs));

  // One UID map for the whole run: de-identified outputs of one study share its new UIDs across units.
  UidMap runUids;
  BatchOptions shared = options;
  if (!shared.run.uids) shared.run.uids = &runUids;

  std::vector<UnitOutcome> outcomes(units.size());
  std::atomic<size_t> next{0};
  std::mutex reportMutex;
  auto worker = [&] {
    for (size_t i = next++; i < units.size(); i = next++) {
      if (options.run.cancel && options.run.cancel->cancelled()) {
        outcomes[i].id = units[i].id;
        outcomes[i].description = units[i].description;
        outcomes[i].error = "cancelled";
        continue;
      }
      const fs::path folder = unitOutputFolder(options, units[i], units.size());
      outcomes[i] = runUnit(config, plan, units[i], folder, shared);
      std::lock_guard<std::mutex> lock(reportMutex);
      if (options.onUnitDone) options.onUnitDone(outcomes[i]);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return outcomes;
}

}  // namespace medpipe
