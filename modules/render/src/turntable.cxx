#include <cstdio>

#include "medpipe/core/error.h"
#include "medpipe/preview/png_file.h"
#include "medpipe/render/volume_render.h"

namespace medpipe {

std::filesystem::path turntableFramePath(const std::filesystem::path& output, unsigned frame) {
  char number[16];
  std::snprintf(number, sizeof number, "_%03u", frame);
  std::filesystem::path path = output;
  path.replace_filename(output.stem().string() + number + (output.has_extension() ? output.extension().string() : ".png"));
  return path;
}

std::vector<std::filesystem::path> renderTurntable(const ImageF& image, const LabelImage* labels,
                                                   const RenderOptions& options, unsigned frames,
                                                   const std::filesystem::path& output) {
  if (frames < 1 || frames > 3600) throw Error("", "turntable", "the number of frames must be between 1 and 3600");
  // One scene for all frames: label surfaces and transfer functions are built once.
  VolumeRenderer renderer(image, labels, options);
  std::vector<std::filesystem::path> written;
  for (unsigned i = 0; i < frames; ++i) {
    const auto path = turntableFramePath(output, i);
    writePng(renderer.render(orbitAboutSuperior(options.view, 360.0 * i / frames)), path);
    written.push_back(path);
  }
  return written;
}

}  // namespace medpipe
