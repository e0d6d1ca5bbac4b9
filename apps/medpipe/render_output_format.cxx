// The pipeline's `render` output format: a VTK volume rendering of a step's image, or of a label
// map's surfaces over its background image. Registered by main() when medpipe is built with VTK.
#include "cli_support.h"
#include "medpipe/pipeline/output_formats.h"
#include "medpipe/render/volume_render.h"

namespace medpipe::cli {

void registerRenderOutputFormat() {
  registerOutputFormat({"render", {DataKind::Image, DataKind::Labels}, ".png", {"preset", "view", "size"},
                        [](const OutputContext& c, const std::filesystem::path& path) {
                          RenderOptions options;
                          const auto& o = c.output.options;
                          if (o.count("preset")) options.preset = o.at("preset");
                          if (o.count("view")) options.view = parseCameraView(o.at("view"));
                          if (o.count("size")) std::tie(options.width, options.height) = parsePictureSize("size", o.at("size"));
                          if (c.data.kind() == DataKind::Labels)
                            renderVolume(*c.background, c.data.labels.GetPointer(), options, path);
                          else
                            renderVolume(*c.data.image, nullptr, options, path);
                        }});
}

}  // namespace medpipe::cli
