// medpipe run CONFIG: the pipeline on one series, an image file or a whole PACS export.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <mutex>

#include "pipeline_options.h"
#ifdef MEDPIPE_WITH_VTK
#include <vtkVersion.h>

#include "x_server.h"
#endif
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/pipeline/batch_runner.h"
#include "medpipe/report/batch_report.h"

namespace medpipe::cli {
namespace {

Progress* interruptTarget = nullptr;
// SIGINT/SIGTERM: the first one cancels the run (the file being written is finished and renamed
// into place, nothing new starts, finished units stay finished); a second one ends the process at
// once. Only async-signal-safe calls here.
extern "C" void onInterrupt(int number) {
  if (!interruptTarget || interruptTarget->cancelled()) {
    std::signal(number, SIG_DFL);
    std::raise(number);
    return;
  }
  interruptTarget->cancel();
  static const char message[] = "\nmedpipe run: interrupted: finishing the file being written, then stopping (interrupt again to stop at once)\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
}

void printPlan(const PipelineConfig& config, const PipelinePlan& plan, const std::vector<WorkUnit>& units,
               const std::string& output) {
  std::cout << "Input: " << config.inputPath << (config.seriesSelector.empty() ? "" : " (series " + config.seriesSelector + ")")
            << "\n" << units.size() << " unit(s):\n";
  for (const auto& u : units) std::cout << "  " << u.id << "  " << u.description << "\n";
  std::cout << "Steps:\n";
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& s = plan.steps[i];
    std::cout << "  " << i + 1 << ". " << s.config->name << " = " << s.stage->spec().name << "(";
    const char* sep = "";
    for (const auto& [slot, source] : s.inputs) std::cout << sep << slot << "=" << source, sep = ", ";
    for (const auto& [name, value] : s.parameters.all()) std::cout << sep << name << "=" << formatParameterValue(value), sep = ", ";
    std::cout << ")\n";
  }
  std::cout << "Outputs (in " << output << (units.size() > 1 ? "/<unit>" : "") << "):\n";
  for (const auto& o : config.outputs) std::cout << "  " << o.file << "  <- " << o.step << "\n";
}

// A progress bar per step on a terminal; one line per finished step otherwise.
StepProgress stepPrinter(bool terminal, bool quiet, int jobs) {
  auto started = std::make_shared<std::chrono::steady_clock::time_point>();
  auto mutex = std::make_shared<std::mutex>();
  return [=](size_t index, size_t count, const std::string& step, double fraction) {
    std::lock_guard<std::mutex> lock(*mutex);
    if (fraction < 0) {
      *started = std::chrono::steady_clock::now();
      return;
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - *started).count();
    if (terminal && jobs == 1 && fraction < 1.0) {
      const int width = 24, filled = static_cast<int>(fraction * width);
      const double eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : 0;
      std::fprintf(stderr, "\r[%zu/%zu] %-20s [%s%s] %3d%% %6.1fs ETA %5.1fs", index + 1, count, step.c_str(),
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   static_cast<int>(fraction * 100), elapsed, eta);
      return;
    }
    if (fraction >= 1.0 && !quiet) {
      if (terminal && jobs == 1) std::fprintf(stderr, "\r\033[K");
      std::fprintf(stderr, "[%zu/%zu] %s done in %.1f s\n", index + 1, count, step.c_str(), elapsed);
    }
  };
}

void printSummary(const std::vector<UnitOutcome>& outcomes) {
  std::cout << "\n" << std::left << std::setw(44) << "Unit" << std::setw(9) << "Status" << std::setw(10) << "Seconds" << "Detail\n";
  for (const auto& o : outcomes) {
    const std::string status = !o.ok ? "FAILED" : o.skipped ? "skipped" : "ok";
    std::cout << std::setw(44) << o.id << std::setw(9) << status << std::setw(10) << std::fixed << std::setprecision(1)
              << o.seconds << (o.ok ? o.report.outputFolder.string() : o.error) << "\n";
  }
  size_t failed = 0;
  for (const auto& o : outcomes) failed += !o.ok;
  std::cout << outcomes.size() << " unit(s), " << failed << " failed\n";
}

// What a workflow engine reads back per unit: done or failed, and why.
void writeUnitStatus(const std::filesystem::path& path, const UnitOutcome& outcome) {
  std::filesystem::create_directories(path.parent_path());
  writeAtomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp);
    JsonWriter json(out);
    json.beginObject().field("unit", outcome.id).field("ok", outcome.ok).field("skipped", outcome.skipped);
    json.field("error", outcome.error).field("seconds", outcome.seconds).endObject();
  });
}

// OUT/report/: the units on disk, plus the ones that failed in this run without leaving a trace.
// A batch in which no unit finished gets none: its errors are on stderr, and a failed run leaves
// no output behind (a full disk, a config that fails everywhere).
void writeRunReport(const std::string& output, const std::vector<UnitOutcome>& outcomes, bool quiet) {
  if (std::none_of(outcomes.begin(), outcomes.end(), [](const UnitOutcome& o) { return o.ok; })) return;
  auto units = collectReportUnits(output);
  for (const auto& o : outcomes) {
    if (o.ok || std::any_of(units.begin(), units.end(), [&](const ReportUnit& u) { return u.id == o.id; })) continue;
    ReportUnit failed;
    failed.id = o.id, failed.description = o.description, failed.message = o.error;
    units.push_back(std::move(failed));
  }
  const ReportSummary summary = writeBatchReport(output, units);
  if (!quiet) std::cerr << "medpipe run: report: " << summary.index.string() << "\n";
}

}  // namespace

int runPipeline(const Args& args) {
  CommandLine line;
  line.usage = "medpipe run CONFIG [--input PATH] [--output DIR] [--set STEP.PARAM=VALUE]... [-j N] [--dry-run]";
  ConfigOptions config;
  config.addTo(line);
  std::string input, output = "medpipe-output", irregular = "resample", unitId;
  int jobs = 1;
  line.options.add_options()
      ("input,i", po::value(&input), "DICOM folder, PACS export root or image file (overrides the config's input)")
      ("output,o", po::value(&output)->default_value(output), "output folder")
      ("jobs,j", po::value(&jobs)->default_value(jobs), "units (series) run in parallel")
      ("dry-run", "print the plan (units, steps, outputs) and stop")
      ("unit", po::value(&unitId), "run only this work unit (an id from `medpipe plan`), into OUTPUT/<unit id>/")
      ("record-failure", "with --unit: a unit that fails on its data still exits 0, its status.json says why "
                         "(workflow engines then do not retry a corrupt series)")
      ("force", "redo units whose outputs are already complete")
      ("no-report", "do not write OUTPUT/report/ (the HTML report of the batch; not written with --unit or when no unit finished)")
      ("irregular", po::value(&irregular)->default_value(irregular), "irregular slice geometry: resample or fail")
      ("quiet,q", "only warnings, errors and the summary")
      ("verbose,v", "debug messages too");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  const bool quiet = vm.count("quiet") > 0;
  installLogSink(quiet, vm.count("verbose") > 0);

  return reportErrors("run", [&] {
    if (jobs < 1) throw Error("", "--jobs", "must be at least 1");
    const auto loaded = config.loadAndPlan(input, output);
    const PipelineConfig& pipeline = loaded->config;
    const PipelinePlan& plan = loaded->plan;
    auto units = planWorkUnits(pipeline);
    const bool singleUnit = !unitId.empty();
    if (singleUnit) units = {selectUnit(units, unitId)};
    if (vm.count("dry-run")) {
      printPlan(pipeline, plan, units, output);
      return kSuccess;
    }
#ifdef MEDPIPE_WITH_VTK
    // VTK needs an X display even offscreen: start a private Xvfb when a render output needs one.
    const bool renders = std::any_of(pipeline.outputs.begin(), pipeline.outputs.end(),
                                     [](const OutputConfig& o) { return o.format == "render"; });
    const auto xServer = renders ? PrivateXServer::startIfNoDisplay() : nullptr;
#endif
    Progress cancel;
    interruptTarget = &cancel;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    BatchOptions options;
    options.outputFolder = output;
    options.unitFolders = singleUnit;
    options.jobs = jobs;
    options.irregular = parseIrregularGeometry(irregular);
    options.run.force = vm.count("force") > 0;
    options.run.cancel = &cancel;
#ifdef MEDPIPE_WITH_VTK
    options.run.extraVersions["vtk"] = vtkVersion::GetVTKVersion();
#endif
    options.run.onProgress = stepPrinter(::isatty(STDERR_FILENO), quiet, jobs);
    options.onUnitDone = [&](const UnitOutcome& o) {
      if (!o.ok) std::cerr << "medpipe run: error: " << o.id << ": " << o.error << "\n";
      else if (!quiet) std::cerr << "medpipe run: " << o.id << (o.skipped ? ": already complete, skipped\n" : ": done\n");
    };
    const auto outcomes = runBatch(pipeline, plan, units, options);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    interruptTarget = nullptr;
    printSummary(outcomes);
    // Interrupted: no status.json (a workflow engine must retry the unit), exit code as for SIGINT.
    if (cancel.cancelled()) return kInterrupted;
    if (singleUnit) writeUnitStatus(unitOutputFolder(options, units[0], 1) / "status.json", outcomes[0]);
    if (!singleUnit && !vm.count("no-report")) writeRunReport(output, outcomes, quiet);
    const bool recordOnly = singleUnit && vm.count("record-failure") > 0;
    for (const auto& o : outcomes)
      if (!o.ok && !recordOnly) return kFailure;
    return kSuccess;
  });
}

}  // namespace medpipe::cli
