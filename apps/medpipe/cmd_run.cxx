// medpipe run CONFIG: the pipeline on one series, an image file or a whole PACS export.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "pipeline_options.h"
#ifdef MEDPIPE_WITH_VTK
#include "report_render.h"
#include "x_server.h"
#endif
#include "medpipe/cohort/cohort_build.h"
#include "medpipe/cohort/cohort_tasks.h"
#include "medpipe/cohort/series_facts.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/pipeline/batch_runner.h"
#include "medpipe/pipeline/output_formats.h"
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

bool writesDeidentifiedDicom(const PipelineConfig& config) {
  const OutputFormat* dicom = findOutputFormat("dicom");
  return std::any_of(config.outputs.begin(), config.outputs.end(), [&](const OutputConfig& o) {
    return o.format == "dicom" && outputOptionValues(*dicom, o).flag("deidentify");
  });
}

// A progress bar per step on a terminal; one line per finished step otherwise (the runner says
// 1.0 once per step). Parallel units run on threads of their own, and each unit's thread times its
// steps (progress inside a step may come from an ITK thread: it takes the latest start).
StepProgress stepPrinter(bool terminal, bool quiet, int jobs) {
  using Clock = std::chrono::steady_clock;
  struct Starts {
    std::map<std::thread::id, Clock::time_point> byThread;
    Clock::time_point latest;
  };
  auto starts = std::make_shared<Starts>();
  auto mutex = std::make_shared<std::mutex>();
  return [=](size_t index, size_t count, const std::string& step, double fraction) {
    std::lock_guard<std::mutex> lock(*mutex);
    if (fraction < 0) {
      starts->byThread[std::this_thread::get_id()] = starts->latest = Clock::now();
      return;
    }
    const auto own = starts->byThread.find(std::this_thread::get_id());
    const auto start = own != starts->byThread.end() ? own->second : starts->latest;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
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

// A folder of unreadable files as a summary row: the folder (relative to the input), how many, why.
struct UnreadableRow {
  std::string folder, detail;
};

std::vector<UnreadableRow> unreadableRows(const WorkPlan& work, const std::filesystem::path& input) {
  std::vector<UnreadableRow> rows;
  std::filesystem::path base = input.lexically_normal();
  if (!base.has_filename()) base = base.parent_path();  // "export/"
  for (const auto& u : work.unreadable) {
    const auto relative = u.folder.lexically_normal().lexically_relative(base);
    const bool inside = !relative.empty() && *relative.begin() != "..";
    const std::string first = formatError({std::filesystem::path(u.first.path).filename().string(), u.first.field, u.first.reason});
    rows.push_back({(inside ? relative.string() : u.folder.string()) + "/",
                    std::to_string(u.files) + " file(s) could not be read, the first " + first});
  }
  return rows;
}

void printSummary(const std::vector<UnitOutcome>& outcomes, const std::vector<UnreadableRow>& unreadable) {
  std::cout << "\n" << std::left << std::setw(44) << "Unit" << std::setw(11) << "Status" << std::setw(10) << "Seconds" << "Detail\n";
  for (const auto& o : outcomes) {
    const std::string status = !o.ok ? "FAILED" : o.skipped ? "skipped" : "ok";
    std::cout << std::setw(44) << o.id << std::setw(11) << status << std::setw(10) << std::fixed << std::setprecision(1)
              << o.seconds << (o.ok ? o.report.outputFolder.string() : o.error) << "\n";
  }
  for (const auto& u : unreadable)
    std::cout << std::setw(44) << u.folder << std::setw(11) << "UNREADABLE" << std::setw(10) << "-" << u.detail << "\n";
  size_t failed = 0;
  for (const auto& o : outcomes) failed += !o.ok;
  std::cout << outcomes.size() << " unit(s), " << failed << " failed";
  if (!unreadable.empty()) std::cout << ", " << unreadable.size() << " folder(s) with unreadable files";
  std::cout << "\n";
}

// The summary table for scripts, in the columns of workflows/Snakefile's summary.tsv.
void writeSummaryTsv(const std::filesystem::path& path, const std::vector<UnitOutcome>& outcomes,
                     const std::vector<UnreadableRow>& unreadable) {
  std::filesystem::create_directories(path.parent_path());
  writeAtomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp);
    out << "unit\tstatus\terror\n";
    const auto cell = [](std::string text) {
      std::replace_if(text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
      return text;
    };
    for (const auto& o : outcomes)
      out << cell(o.id) << "\t" << (!o.ok ? "FAILED" : o.skipped ? "skipped" : "ok") << "\t" << cell(o.error) << "\n";
    for (const auto& u : unreadable) out << cell(u.folder) << "\tUNREADABLE\t" << cell(u.detail) << "\n";
    if (!out.flush()) throw Error(path.string(), "", "cannot write summary");
  });
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

// Beside a unit's outputs: its series facts (no PHI) and its status, which `medpipe cohort build`
// reads; a failed unit gets a folder holding only these.
void recordUnit(const std::filesystem::path& folder, const WorkUnit& unit, const UnitOutcome& outcome) {
  if (outcome.skipped && std::filesystem::exists(folder / "status.json")) return;  // recorded when it ran
  writeUnitStatus(folder / "status.json", outcome);
  if (unit.imageFile.empty()) cohort::writeSeriesFacts(cohort::seriesFactsFromVolume(unit.volume, false), folder / "series.json");
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
  ReportOptions options;
  options.unreadable = collectUnreadableInputs(output);  // summary.tsv is written before the report
#ifdef MEDPIPE_WITH_VTK
  options.noRenderReason = "not rendered (run with --no-report, or no X server for VTK: see the warnings of run)";
#endif
  const ReportSummary summary = writeBatchReport(output, units, options);
  if (!quiet) std::cerr << "medpipe run: report: " << summary.index.string() << "\n";
}


}  // namespace

int runPipeline(const Args& args) {
  CommandLine line;
  line.usage = "medpipe run CONFIG [--input PATH] [--output DIR] [--set STEP.PARAM=VALUE]... [-j N] [--dry-run]";
  ConfigOptions config;
  config.addTo(line);
  std::string input, output = "medpipe-output", irregular = "resample", unitId, uidMap;
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
      ("uid-map", po::value(&uidMap), "CSV of original -> new UIDs for de-identified DICOM outputs (deidentify: true), "
                                      "read and updated as units run; processes sharing it keep one mapping. It "
                                      "re-identifies the data: keep it private (docs/deidentification.md)")
      ("no-report", "do not write OUTPUT/report/ (the HTML report of the batch; not written with --unit or when no unit finished) nor each unit's report-render.png")
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
    const WorkPlan work = planWork(pipeline);
    auto units = work.units;
    const bool singleUnit = !unitId.empty();
    if (singleUnit) units = {selectUnit(units, unitId)};
    // A file that cannot be read belongs to no known unit: a whole run reports it, one --unit does not.
    const auto unreadable = singleUnit ? std::vector<UnreadableRow>{} : unreadableRows(work, pipeline.inputPath);
    if (vm.count("dry-run")) {
      printPlan(pipeline, plan, units, output);
      if (!unreadable.empty()) std::cout << "Left out (unreadable):\n";
      for (const auto& u : unreadable) std::cout << "  " << u.folder << "  " << u.detail << "\n";
      return kSuccess;
    }
#ifdef MEDPIPE_WITH_VTK
    // VTK needs an X display even offscreen: start a private Xvfb when a render output needs one.
    const bool renders = std::any_of(pipeline.outputs.begin(), pipeline.outputs.end(),
                                     [](const OutputConfig& o) { return o.format == "render"; });
    // The report's 3D picture of each unit is optional: without an X server the report goes without.
    bool reportRenders = !vm.count("no-report");
    std::unique_ptr<PrivateXServer> xServer;
    if (renders) xServer = PrivateXServer::startIfNoDisplay();
    else if (reportRenders) try {
        xServer = PrivateXServer::startIfNoDisplay();
      } catch (const Error& e) {
        reportRenders = false;
        if (!quiet) std::cerr << "medpipe run: warning: no 3D pictures in the report: " << e.what() << "\n";
      }
#endif
    UidMap uids;  // one map for every output of every unit of this run
    if (!uidMap.empty()) {
      if (!writesDeidentifiedDicom(pipeline)) throw Error("", "--uid-map", "no output of this config is de-identified DICOM (format: dicom, deidentify: true)");
      uids.share(uidMap);
    }
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
    options.run.uids = &uids;
#ifdef MEDPIPE_WITH_VTK
    options.run.extraVersions["vtk"] = MEDPIPE_VTK_VERSION;  // of medpipe-render, which renders
    if (reportRenders) options.run.startReportPicture = startReportPicture;
#endif
    options.run.onProgress = stepPrinter(::isatty(STDERR_FILENO), quiet, jobs);
    options.onUnitDone = [&](const UnitOutcome& o) {
      if (!o.ok) std::cerr << "medpipe run: error: " << o.id << ": " << o.error << "\n";
      else if (!quiet) std::cerr << "medpipe run: " << o.id << (o.skipped ? ": already complete, skipped\n" : ": done\n");
    };
    const auto outcomes = runBatch(pipeline, plan, units, options);
    if (!uidMap.empty()) uids.saveShared();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    interruptTarget = nullptr;
    printSummary(outcomes, unreadable);
    // Several units (or --unit): each records its facts and status; a batch ends by updating
    // OUTPUT/cohort.sqlite and cohort.csv (docs/cohort.md). A single series written straight into
    // OUTPUT is left as it was. Interrupted: only the units that finished record themselves (the
    // others, and a --unit run, have no status.json: a workflow engine must retry them).
    const bool interrupted = cancel.cancelled();
    if ((singleUnit && !interrupted) || units.size() > 1) {
      for (size_t i = 0; i < units.size(); ++i) {
        if (interrupted && !outcomes[i].ok) continue;
        try {
          recordUnit(unitOutputFolder(options, units[i], units.size()), units[i], outcomes[i]);
        } catch (const Error& e) {
          if (singleUnit) throw;
          std::cerr << "medpipe run: warning: " << units[i].id << ": " << e.what() << "\n";
        }
      }
    }
    if (interrupted) return kInterrupted;  // exit code as for SIGINT
    // Beside the unit folders; a single unit's folder gets one only when input was left out.
    if (!singleUnit && (units.size() > 1 || !unreadable.empty()))
      writeSummaryTsv(std::filesystem::path(output) / "summary.tsv", outcomes, unreadable);
    bool cohortBuilt = false;
    if (!singleUnit && units.size() > 1) {
      try {
        cohort::CohortBuildOptions cohortOptions;
        cohortOptions.outputFolder = output;
        const auto summary = cohort::buildCohort(cohortOptions);
        cohortBuilt = true;
        if (!quiet) std::cout << "Cohort: " << summary.database.string() << " (" << summary.units << " unit(s), " << summary.failed
                              << " failed or incomplete), " << summary.csv.string() << "\n";
      } catch (const Error& e) {  // the units are done; only the cohort table could not be updated
        std::cerr << "medpipe run: warning: cohort database not updated: " << e.what() << "\n";
      }
    }
    // The config's cohort: section, on the database just updated (checked before the batch began).
    // Its failure fails the run: the mining was asked for; the units stay done.
    bool miningOk = true;
    if (!singleUnit && units.size() <= 1 && !pipeline.cohortTasks.empty() && !quiet)
      std::cerr << "medpipe run: note: the config's cohort: section runs after a batch of several units (on one database: "
                   "medpipe cohort run CONFIG DB)\n";
    if (cohortBuilt && !pipeline.cohortTasks.empty()) {
      try {
        const auto base = std::filesystem::absolute(pipeline.sourceFile).parent_path();
        for (const auto& o : cohort::runCohortTasks(pipeline.cohortTasks, output, base)) {
          if (!quiet) std::cout << "Cohort " << o.command << ": " << o.headline << "\n";
          if (!o.ok) std::cerr << "medpipe run: cohort " << o.command << ": " << o.details;
          miningOk = miningOk && o.ok;
        }
      } catch (const Error& e) {
        std::cerr << "medpipe run: error: " << e.what() << "\n";
        miningOk = false;
      }
    }
    if (!singleUnit && !vm.count("no-report")) writeRunReport(output, outcomes, quiet);
    const bool recordOnly = singleUnit && vm.count("record-failure") > 0;
    for (const auto& o : outcomes)
      if (!o.ok && !recordOnly) return kFailure;
    if (!miningOk) return kFailure;
    return unreadable.empty() ? kSuccess : kUnreadableInput;
  }, withConfigFlags({{"irregular", "--irregular"}, {"unit", "--unit"}}));
}

}  // namespace medpipe::cli
