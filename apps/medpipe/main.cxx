// medpipe: DICOM studies in, processed volumes, segmentations, measurements and previews out.
#include <malloc.h>

#include <iostream>
#include <string>

#include "cli_support.h"
#include "medpipe/deep/network.h"
#include "commands.h"

namespace medpipe::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"scan", "list every patient, study and series below a folder, with a health check", runScan},
      {"convert", "convert DICOM series to NIfTI / NRRD / MetaImage volumes", runConvert},
      {"run", "run a pipeline config on a series or a whole export", runPipeline},
      {"validate", "check a pipeline config and report every error", runValidate},
      {"plan", "list the work units of a run (JSON for workflow engines)", runPlan},
      {"report", "write the HTML report of a batch (OUT/report/index.html)", runReport},
      {"stages", "list the processing stages and their parameters", runStages},
      {"render", "preview a volume and its labels: 3D rendering or slice montage, to PNG", runRender},
      {"view", "look around a volume and its labels in an interactive 3D window (needs a display)", runView},
      {"export-mesh", "write a label map as a surface mesh (STL, OBJ, VTP) for 3D Slicer or printing", runExportMesh},
      {"slicer-xml", "write a stage's 3D Slicer CLI module description (or --wrappers DIR for every stage)", runSlicerXml},
      {"slicer-cli", "run one stage as 3D Slicer calls a CLI module (files by position)", runSlicerCli},
      {"schema", "print the JSON Schema of pipeline configs (for editors)", runSchema},
      {"radiomics", "IBSI radiomics features of each label of a label map or SEG, to CSV or JSON", runRadiomics},
      {"cohort", "one database for a whole batch (build) and mining it (outliers, cluster, train, predict)", runCohort},
      {"train-classifier", "trains a voxel classifier from painted voxels, for the classify-voxels stage", runTrainClassifier},
      {"phantom", "write a synthetic CT phantom as a DICOM series with its ground-truth labels", runPhantom},
      {"pacs", "DICOM services against a PACS: echo, find, get, move, send (docs/pacs.md)", runPacs},
      {"listen", "receive series by C-STORE, run a pipeline on each complete series, send results back", runListen},
      {"train-unet", "train a small 3D U-Net on image/label pairs; unet-segment runs the model folder it writes", runTrainUnet},
  };
  return table;
}

namespace {
void printOverview() {
  std::cout << "Usage: medpipe COMMAND [options]   (medpipe COMMAND --help for details)\n\nCommands:\n";
  for (const auto& c : commands()) {
    // Names longer than the column (export-mesh) still get one space before their summary.
    const size_t name = std::string(c.name).size();
    std::cout << "  " << c.name << std::string(name < 12 ? 12 - name : 1, ' ') << c.summary << "\n";
  }
  std::cout << "\n  --version    print the versions of medpipe, ITK, GDCM and VTK\n";
}
}  // namespace

}  // namespace medpipe::cli

int main(int argc, char** argv) {
  using namespace medpipe::cli;
  // Reading a series allocates and frees a file's worth of memory per slice on every thread; glibc's
  // defaults hand it back to the kernel each time and fault it in again, which cost convert more
  // system time than writing its output (bench/RESULTS-io.md). Keep up to 128 MB of it per arena.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  const Args args(argv + 1, argv + argc);
  registerRenderOutputFormat();  // declared in every build; writable with VTK
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printOverview();
    return args.empty() ? kUsage : kSuccess;
  }
  if (args[0] == "--version") {
    std::cout << versionReport();
    return kSuccess;
  }
  for (const auto& c : commands()) {
    if (args[0] != c.name) continue;
    const int status = c.run(Args(args.begin() + 1, args.end()));
    medpipe::deep::finishLoadingTorch();  // a config check may have started it (network.h)
    return status;
  }
  std::cerr << "medpipe: error: unknown command '" << args[0] << "' (see medpipe --help)\n";
  return kUsage;
}
