// medpipe report OUT: the HTML report of a batch that `medpipe run` wrote into
// OUT.
#include <iostream>

#include "cli_support.h"
#include "commands.h"
#include "medpipe/core/error.h"
#include "medpipe/report/batch_report.h"

namespace medpipe::cli {

int runReport(const Args& args) {
  CommandLine line;
  line.usage = "medpipe report OUT";
  std::string output;
  line.options.add_options()("output", po::value(&output)->required(),
                             "the output folder of `medpipe run`; the report "
                             "goes to OUT/report/index.html");
  line.positional.add("output", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("report", [&] {
    const auto units = collectReportUnits(output);
    if (units.empty()) throw Error(output, "", "no units: no provenance.json or status.json in it or its subfolders");
    ReportOptions options;
    options.unreadable = collectUnreadableInputs(output);
#ifdef MEDPIPE_WITH_VTK
    options.noRenderReason = "not rendered (run with --no-report, or no X server for VTK: see the warnings of run)";
#endif
    const ReportSummary summary = writeBatchReport(output, units, options);
    std::cout << summary.index.string() << ": " << summary.units << " units, " << summary.failed << " failed, "
              << summary.outliers << " flagged\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
