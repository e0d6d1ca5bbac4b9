#include "medpipe/pipeline/pipeline_runner.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/core/version.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/gdcm_version.h"
#include "medpipe/pipeline/output_formats.h"
#include "intensity_histogram.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

constexpr const char* kProvenanceFile = "provenance.json";
constexpr double kNearlyDone = 0.999;  // the most a running step reports

struct Fnv1a {
  uint64_t value = 1469598103934665603ull;
  void add(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) value = (value ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
  }
  void add(const std::string& s) { add(s.data(), s.size() + 1); }  // the NUL separates fields
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
  }
};

// An output's real place, symbolic links resolved, must be inside the unit's real folder: a link
// planted in the folder must not carry a write elsewhere (the config's paths are checked by planPipeline).
void checkInsideFolder(const fs::path& folder, const fs::path& path, const OutputConfig& output) {
  std::error_code ec;
  fs::path realFolder = fs::weakly_canonical(folder, ec);
  if (realFolder.has_relative_path() && realFolder.filename().empty()) realFolder = realFolder.parent_path();  // "out/"
  const fs::path realPath = ec ? fs::path() : fs::weakly_canonical(path, ec);
  const auto [f, p] = std::mismatch(realFolder.begin(), realFolder.end(), realPath.begin(), realPath.end());
  if (ec || realPath.empty() || f != realFolder.end() || p == realPath.end())
    throw Error(path.string(), "output '" + output.file + "'", "leads out of the output folder " + folder.string() +
                                                             (ec ? " (" + ec.message() + ")" : " (through a symbolic link)"));
}

void writeOutput(const StageData& data, const ImageF* background, const OutputConfig& output, const fs::path& path,
                 const ImageWriteOptions& write, const InputIdentity& identity, UidMap& uids) {
  fs::create_directories(path.parent_path());
  if (!output.format.empty()) {
    const OutputFormat* format = findOutputFormat(output.format);
    if (!format) throw Error(path.string(), "format", "unknown output format '" + output.format + "'");
    if (!format->write) throw Error(path.string(), "format", format->unavailable);
    const ParameterValues options = outputOptionValues(*format, output);
    return format->write(OutputContext{data, background, output, options, identity, write, uids}, path);
  }
  switch (data.kind()) {
    case DataKind::Image: return writeImage(*data.image, path, write);
    case DataKind::Labels: return writeLabelImage(*data.labels, path, write);
    case DataKind::Table:
      if (fullExtension(path) == ".csv") return data.table->writeCsv(path);
      return data.table->writeJson(path);
  }
}

void writeProvenance(const PipelineConfig& config, const PipelinePlan& plan, const InputIdentity& identity,
                     const std::string& hash, const UnitReport& report, const IntensityHistogram& histogram,
                     const std::map<std::string, std::string>& extraVersions) {
  const fs::path path = report.outputFolder / kProvenanceFile;
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    JsonWriter json(out);
    json.beginObject();
    json.key("versions").beginObject().field("medpipe", medpipeVersion()).field("itk", itkVersion()).field("gdcm", gdcmVersion());
    for (const auto& [name, version] : extraVersions) json.field(name, version);
    json.endObject();
    json.field("config", config.sourceFile).field("configHash", hash);
    json.key("input").beginObject().field("description", identity.description);
    json.array("seriesInstanceUids", identity.seriesUids).field("contentHash", identity.contentHash);
    if (!identity.health.empty()) json.field("scanner", identity.scanner).field("health", identity.health);
    json.key("histogram").beginObject().field("lower", histogram.lower).field("upper", histogram.upper);  // for the report
    json.field("below", histogram.below).field("above", histogram.above).array("counts", histogram.counts).endObject();
    json.endObject();
    json.key("steps").beginArray();
    for (const auto& step : plan.steps) {
      json.beginObject().field("name", step.config->name).field("stage", step.stage->spec().name);
      json.key("inputs").beginObject();
      for (const auto& [slot, source] : step.inputs) json.field(slot, source);
      json.endObject().key("parameters").beginObject();
      for (const auto& [name, value] : step.parameters.all()) json.field(name, formatParameterValue(value));
      json.endObject();
      for (const auto& timing : report.steps)
        if (timing.step == step.config->name) json.field("seconds", timing.seconds);
      json.endObject();
    }
    json.endArray().key("outputs").beginArray();
    for (const auto& o : config.outputs) {
      json.beginObject().field("step", o.step).field("file", o.file);
      if (!o.format.empty()) json.field("format", o.format);
      json.endObject();
    }
    json.endArray().endObject();
    if (!out.flush()) throw Error(path.string(), "", "cannot write provenance");
  });
}

}  // namespace

std::string configHash(const PipelineConfig& config, const PipelinePlan& plan) {
  Fnv1a h;
  for (const auto& step : plan.steps) {
    h.add(step.config->name);
    h.add(step.stage->spec().name);
    for (const auto& [slot, source] : step.inputs) h.add(slot + "=" + source);
    for (const auto& [name, value] : step.parameters.all()) h.add(name + "=" + formatParameterValue(value));
  }
  for (const auto& o : config.outputs) {
    h.add(o.step + ">" + o.file + "|" + o.format + "|" + o.over);
    for (const auto& [name, value] : o.options) h.add(name + "=" + value);
  }
  return h.hex();
}

std::string hashFiles(const std::vector<fs::path>& files) {
  Fnv1a h;
  std::vector<char> buffer(1 << 20);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw Error(f.string(), "", "cannot read input file");
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      h.add(buffer.data(), static_cast<size_t>(in.gcount()));
    }
  }
  return h.hex();
}

bool unitIsComplete(const fs::path& outputFolder, const std::string& configHashValue, const std::string& inputHash,
                    const PipelineConfig& config) {
  std::ifstream in(outputFolder / kProvenanceFile);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  const std::string record = text.str();
  if (record.find("\"configHash\": \"" + configHashValue + "\"") == std::string::npos) return false;
  if (record.find("\"contentHash\": \"" + inputHash + "\"") == std::string::npos) return false;
  for (const auto& o : config.outputs)
    if (!fs::exists(outputFolder / o.file)) return false;
  return true;
}

UnitReport runPipelineUnit(const PipelineConfig& config, const PipelinePlan& plan, const ImageF::Pointer& input,
                           const InputIdentity& identity, const fs::path& outputFolder, const RunOptions& options,
                           const LabelImage::Pointer& rois) {
  UnitReport report;
  report.outputFolder = outputFolder;
  const std::string hash = configHash(config, plan);
  if (!options.force && unitIsComplete(outputFolder, hash, identity.contentHash, config)) {
    report.skipped = true;
    for (const auto& o : config.outputs) report.outputs.push_back(outputFolder / o.file);
    return report;
  }
  std::error_code ec;
  fs::create_directories(outputFolder, ec);
  if (ec) throw Error(outputFolder.string(), "", "cannot create output folder: " + ec.message());
  fs::remove(outputFolder / kProvenanceFile, ec);  // a stale record must not mark a half-done rerun complete

  // The last step that reads each result: after it ran, the result is released.
  std::map<std::string, size_t> lastUse;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    for (const auto& [slot, source] : plan.steps[i].inputs) lastUse[source] = std::max(lastUse[source], i);
    for (const auto& o : config.outputs) {  // a picture's background lives until its step's outputs are written
      const std::string over = o.over.empty() ? "input" : o.over;
      if (o.step == plan.steps[i].config->name) lastUse[over] = std::max(lastUse[over], i);
    }
  }

  UidMap unitUids;  // used when the caller shares none
  UidMap& uids = options.uids ? *options.uids : unitUids;
  std::map<std::string, StageData> results;
  const IntensityHistogram histogram = intensityHistogram(*input);  // before a stage may change the input in place
  results["input"] = StageData{input, nullptr, nullptr};
  auto writeOutputsOf = [&](const std::string& step) {
    for (const auto& o : config.outputs) {
      if (o.step != step) continue;
      const std::string over = o.over.empty() ? "input" : o.over;
      const ImageF* background = results.count(over) ? results.at(over).image.GetPointer() : nullptr;
      checkInsideFolder(outputFolder, outputFolder / o.file, o);
      writeOutput(results.at(step), background, o, outputFolder / o.file, options.write, identity, uids);
      report.outputs.push_back(outputFolder / o.file);
    }
  };
  writeOutputsOf("input");
  // Started before the steps (one may change the input in place), finished after them; dropped
  // with the unit when a step fails.
  std::function<void()> finishPicture;
  if (options.startReportPicture) finishPicture = options.startReportPicture(*input, identity, outputFolder);
  if (config.roisGiven) {
    if (!rois) throw Error("", "input.rois", "the pipeline names ROIs but the unit has no region label map");
    results[kRoisInputName] = StageData{nullptr, rois, nullptr};
    writeOutputsOf(kRoisInputName);
  }

  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const PlannedStep& step = plan.steps[i];
    const std::string& name = step.config->name;
    StageInputs inputs;
    for (const auto& [slot, source] : step.inputs) inputs[slot] = results.at(source);
    // Cancelled with the run (SIGINT): ITK stages abort at their next progress event.
    // A stage reports 1.0 once per ITK filter inside it (and ITK repeats it): held below 1 here,
    // so that 1.0 is said exactly once per step, when the step has finished.
    Progress progress([&](double fraction, const std::string&) {
      if (options.onProgress) options.onProgress(i, plan.steps.size(), name, std::min(fraction, kNearlyDone));
    }, options.cancel);
    if (options.cancel && options.cancel->cancelled()) throw Error("", name, "cancelled");
    if (options.onProgress) options.onProgress(i, plan.steps.size(), name, -1);
    const auto start = std::chrono::steady_clock::now();
    try {
      results[name] = step.stage->run(inputs, step.parameters, progress);
    } catch (const Error& e) {
      throw Error(e.info().path, "step '" + name + "' (" + step.stage->spec().name + ")", e.info().reason);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.steps.push_back({name, step.stage->spec().name, seconds});
    if (options.onProgress) options.onProgress(i, plan.steps.size(), name, 1.0);
    writeOutputsOf(name);
    for (auto it = results.begin(); it != results.end();) {
      const auto use = lastUse.find(it->first);
      const bool neededLater = use != lastUse.end() && use->second > i;
      it = neededLater ? std::next(it) : results.erase(it);
    }
  }
  if (finishPicture) finishPicture();
  writeProvenance(config, plan, identity, hash, report, histogram, options.extraVersions);
  return report;
}

}  // namespace medpipe
