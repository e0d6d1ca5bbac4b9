// The pipeline's `render` output format: a VTK volume rendering of a step's image, or of a label
// map's surfaces over its background image. Declared in every build, so validation and
// docs/outputs.md are the same with and without VTK; only a build with VTK can write it.
#include <stdexcept>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/pipeline/output_formats.h"
#ifdef MEDPIPE_WITH_VTK
#include "medpipe/render/volume_render.h"
#endif

namespace medpipe::cli {
namespace {

// The render module's presets and views; checked against it at registration when built with VTK.
const std::vector<std::string> kPresets = {"ct-bone", "ct-soft-tissue", "ct-lung", "mr-default", "mip"};
constexpr unsigned kMinSide = 16, kMaxSide = 8192;  // volume_renderer.cxx's limits

void checkView(const std::string& text) {
#ifdef MEDPIPE_WITH_VTK
  parseCameraView(text);
#else
  (void)text;  // without VTK the format is refused as a whole
#endif
}

void checkSize(const std::string& text) {
  const auto [w, h] = parsePictureSize("size", text);
  if (w < kMinSide || h < kMinSide || w > kMaxSide || h > kMaxSide)
    throw Error("", "size", "width and height must be between " + std::to_string(kMinSide) + " and " +
                                std::to_string(kMaxSide) + " pixels");
}

}  // namespace

void registerRenderOutputFormat() {
  OutputFormat format;
  format.name = "render";
  format.summary =
      "A 3D volume rendering (VTK's CPU ray caster) of an image, or a label map's surfaces over `over:` "
      "(default: the input); needs medpipe built with VTK";
  format.accepts = {DataKind::Image, DataKind::Labels};
  format.extension = ".png";
  format.options = {
      ParameterSpec::choice("preset", "ct-bone", kPresets, "transfer function of the volume"),
      ParameterSpec::text("view", "anterior",
                          "anterior, posterior, left, right, superior, inferior or AZ,EL in degrees (abs(EL) <= 90)",
                          "where the camera looks from, in patient terms", checkView),
      ParameterSpec::text("size", "512x512", "WIDTHxHEIGHT, 16 .. 8192 pixels each", "picture size", checkSize),
  };
#ifdef MEDPIPE_WITH_VTK
  if (volumeRenderPresets() != kPresets) throw std::logic_error("render output format: presets differ from the render module's");
  format.write = [](const OutputContext& c, const std::filesystem::path& path) {
    RenderOptions options;
    options.preset = c.options.choice("preset");
    options.view = parseCameraView(c.options.text("view"));
    std::tie(options.width, options.height) = parsePictureSize("size", c.options.text("size"));
    if (c.data.kind() == DataKind::Labels)
      renderVolume(*c.background, c.data.labels.GetPointer(), options, path);
    else
      renderVolume(*c.data.image, nullptr, options, path);
  };
#else
  format.unavailable = "this medpipe is built without VTK (MEDPIPE_WITH_VTK=OFF)";
#endif
  registerOutputFormat(std::move(format));
}

}  // namespace medpipe::cli
