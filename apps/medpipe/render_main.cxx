// medpipe-render: the commands of medpipe that load VTK (render in 3D, view, export-mesh), in a
// program of their own so that medpipe's other commands never load it (render_helper.h). medpipe
// hands these commands over to it; it can also be run directly, as `medpipe-render COMMAND ...`.
#include <iostream>
#include <string>

#include "cli_support.h"
#include "commands.h"
#include "medpipe/render/volume_render.h"
#include "render_presets.h"

namespace medpipe::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"render", "preview a volume and its labels: 3D rendering or slice montage, to PNG", runRender},
      {"view", "look around a volume and its labels in an interactive 3D window (needs a display)", runView},
      {"export-mesh", "write a label map as a surface mesh (STL, OBJ, VTP) for 3D Slicer or printing", runExportMesh},
  };
  return table;
}

}  // namespace medpipe::cli

int main(int argc, char** argv) {
  using namespace medpipe::cli;
  // The `render` output format declares the presets without VTK: they must be the module's.
  if (medpipe::volumeRenderPresets() != renderPresetNames()) {
    std::cerr << "medpipe-render: internal error: render_presets.h differs from the render module's presets\n";
    return kFailure;
  }
  const Args args(argv + 1, argv + argc);
  if (!args.empty()) {
    for (const auto& c : commands())
      if (args[0] == c.name) return c.run(Args(args.begin() + 1, args.end()));
  }
  std::cerr << "Usage: medpipe-render render|view|export-mesh [options] (as medpipe's commands of these names; "
               "medpipe runs them here)\n";
  return kUsage;
}
