#pragma once
// The render module's presets, declared where VTK is not loaded (the `render` output format in
// medpipe); medpipe-render checks at start that they are the module's (render_main.cxx).
#include <string>
#include <vector>

namespace medpipe::cli {

inline const std::vector<std::string>& renderPresetNames() {
  static const std::vector<std::string> presets = {"ct-bone", "ct-soft-tissue", "ct-lung", "mr-default", "mip"};
  return presets;
}

}  // namespace medpipe::cli
