// medpipe cohort build OUT: every unit of a batch output folder in one SQLite database and one CSV.
#include <iostream>

#include "cli_support.h"
#include "cohort_commands.h"
#include "medpipe/cohort/cohort_build.h"

namespace medpipe::cli {

int runCohortBuild(const Args& args) {
  CommandLine line;
  line.usage = "medpipe cohort build OUT [--input EXPORT] [--show-phi]";
  std::string output, input;
  line.options.add_options()
      ("output", po::value(&output)->required(), "the batch output folder of `medpipe run` (OUT/<unit>/...)")
      ("input,i", po::value(&input), "the DICOM export the batch ran on: series facts for units without a series.json")
      ("show-phi", "also store series/study UIDs and patient IDs (otherwise only their hashes)")
      ("quiet,q", "no summary");
  line.positional.add("output", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("cohort build", [&] {
    cohort::CohortBuildOptions options;
    options.outputFolder = output;
    options.dicomInput = input;
    options.includePhi = vm.count("show-phi") > 0;
    options.onUnitProblem = [](const std::string& unit, const std::string& problem) {
      std::cerr << "medpipe cohort build: warning: unit " << unit << ": " << problem << "\n";
    };
    const auto s = cohort::buildCohort(options);
    if (!vm.count("quiet"))
      std::cout << s.database.string() << ": " << s.units << " unit(s) (" << s.added << " added, " << s.replaced
                << " replaced, " << s.unchanged << " unchanged, " << s.failed << " failed or incomplete, " << s.missing
                << " newly missing), " << s.features << " feature(s), " << s.measurements << " measurement(s)\n"
                << s.csv.string() << ": " << s.wideRows << " row(s) of measurements (one per unit and label)\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
