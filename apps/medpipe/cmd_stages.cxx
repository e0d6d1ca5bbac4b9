// medpipe stages [NAME] [--markdown]: the processing stages, from their own declarations.
#include <iostream>

#include "cli_support.h"
#include "medpipe/filters/stage.h"
#include "medpipe/filters/stage_docs.h"
#include "medpipe/pipeline/output_formats.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe::cli {

int runStages(const Args& args) {
  CommandLine line;
  line.usage = "medpipe stages [NAME] [--markdown | --outputs-markdown]";
  std::string name;
  line.options.add_options()("name", po::value(&name), "a stage to describe in full")(
      "markdown", "print the documentation of every stage as Markdown (docs/stages.md)")(
      "outputs-markdown", "print the documentation of every output format and its options (docs/outputs.md)");
  line.positional.add("name", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("stages", [&] {
    if (vm.count("outputs-markdown")) std::cout << outputFormatsMarkdown() << pipelineInputMarkdown();
    else if (vm.count("markdown")) std::cout << stagesMarkdown();
    else if (name.empty()) std::cout << stageOverview() << "\nmedpipe stages NAME shows a stage's parameters.\n";
    else std::cout << describeStage(findStage(name).spec());
    return kSuccess;
  });
}

}  // namespace medpipe::cli
