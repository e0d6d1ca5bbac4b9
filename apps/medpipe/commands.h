#pragma once
// The subcommands of the medpipe CLI. Each takes the arguments after its name and returns the
// process exit code (see cli_support.h).
#include <string>
#include <vector>

namespace medpipe::cli {

using Args = std::vector<std::string>;

int runScan(const Args& args);
int runConvert(const Args& args);
int runPhantom(const Args& args);
int runPipeline(const Args& args);
int runValidate(const Args& args);
int runPlan(const Args& args);
int runStages(const Args& args);
int runRender(const Args& args);
int runView(const Args& args);
int runExportMesh(const Args& args);
int runSlicerXml(const Args& args);
int runSlicerCli(const Args& args);
int runSchema(const Args& args);
int runRadiomics(const Args& args);
int runCohort(const Args& args);
int runReport(const Args& args);
int runTrainClassifier(const Args& args);
int runPacs(const Args& args);    // cmd_pacs.cxx (cmd_no_network.cxx without MEDPIPE_WITH_NETWORK)
int runListen(const Args& args);  // cmd_listen.cxx (likewise)
int runTrainUnet(const Args& args);

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
};

const std::vector<Command>& commands();

std::string versionReport();  // medpipe, ITK, GDCM and (when built in) VTK versions

void registerRenderOutputFormat();  // the pipeline's `render` output (render_output_format.cxx), every build

}  // namespace medpipe::cli
