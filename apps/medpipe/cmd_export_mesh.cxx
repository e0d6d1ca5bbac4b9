// medpipe export-mesh: a label map as a surface mesh (STL, OBJ, VTP) for 3D Slicer, printing or CAD.
#include <iostream>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/io/image_file.h"

#ifdef MEDPIPE_RENDER_HELPER  // medpipe-render: VTK in this process
#include "medpipe/render/mesh_export.h"
#elif defined(MEDPIPE_WITH_VTK)  // medpipe: hands over to medpipe-render
#include "render_helper.h"
#endif

namespace medpipe::cli {

int runExportMesh(const Args& args) {
  CommandLine line;
  line.usage = "medpipe export-mesh LABELMAP -o OUT.stl|OUT.obj|OUT.vtp [--label N] [--space lps|ras]";
  std::string labelsPath, output, space = "lps";
  int label = 0;
  double smoothing = 0.5;
  bool quiet = false, verbose = false;
  line.options.add_options()
      ("labels", po::value(&labelsPath)->required(), "the label map")
      ("output,o", po::value(&output)->required(), "the mesh file; the extension picks the format: .stl (binary), .obj, .vtp")
      ("label", po::value(&label), "only this label (1..255); default: every non-zero label in one mesh")
      ("space", po::value(&space)->default_value(space),
       "lps (DICOM/ITK patient space, as medpipe's volumes) or ras (x, y negated); the file says which (SPACE=...)")
      ("smoothing", po::value(&smoothing)->default_value(smoothing), "0 (voxel staircase) .. 1, as 3D Slicer's smoothing factor")
      ("quiet,q", po::bool_switch(&quiet), "no informational messages")
      ("verbose,v", po::bool_switch(&verbose), "also debug messages");
  line.positional.add("labels", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(quiet, verbose);
#ifdef MEDPIPE_RENDER_HELPER
  return reportErrors("export-mesh", [&] {
    MeshExportOptions options;
    options.space = parseMeshSpace(space);
    if (vm.count("label")) {
      if (label < 1 || label > 255) throw Error("", "--label", "must be between 1 and 255");
      options.label = static_cast<std::uint8_t>(label);
    }
    if (smoothing < 0 || smoothing > 1) throw Error("", "--smoothing", "must be between 0 and 1");
    options.smoothing = smoothing;
    const auto labels = readLabelImage(labelsPath);
    const MeshExportSummary summary = exportLabelMesh(*labels, options, output);
    std::string which;
    for (auto l : summary.labels) which += (which.empty() ? "" : ",") + std::to_string(l);
    logInfo(output + ": labels " + which + ", " + std::to_string(summary.triangles) + " triangles, " +
            std::to_string(summary.points) + " points, SPACE=" + toString(options.space));
    std::cout << output << "\n";
    return kSuccess;
  }, {{"space", "--space"}, {"label", "--label"}});
#elif defined(MEDPIPE_WITH_VTK)
  return execRenderHelper("export-mesh", args);
#else
  std::cerr << "medpipe export-mesh: error: VTK is not built in (this medpipe was built with MEDPIPE_WITH_VTK=OFF)\n";
  return kUsage;
#endif
}

}  // namespace medpipe::cli
