// The pipeline's `render` output format: a VTK volume rendering of a step's image, or of a label
// map's surfaces over its background image. Declared in every build, so validation and
// docs/outputs.md are the same with and without VTK; only a build with VTK can write it, through
// medpipe-render (render_helper.h) so that medpipe itself never loads VTK.
#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/output_formats.h"
#include "medpipe/preview/camera_view.h"
#include "render_presets.h"
#ifdef MEDPIPE_WITH_VTK
#include "render_helper.h"
#endif

namespace medpipe::cli {
namespace {

constexpr unsigned kMinSide = 16, kMaxSide = 8192;  // volume_renderer.cxx's limits

void checkView(const std::string& text) { parseCameraView(text); }

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
      ParameterSpec::choice("preset", "ct-bone", renderPresetNames(), "transfer function of the volume"),
      ParameterSpec::text("view", "anterior",
                          "anterior, posterior, left, right, superior, inferior or AZ,EL in degrees (abs(EL) <= 90)",
                          "where the camera looks from, in patient terms", checkView),
      ParameterSpec::text("size", "512x512", "WIDTHxHEIGHT, 16 .. 8192 pixels each", "picture size", checkSize),
  };
#ifdef MEDPIPE_WITH_VTK
  format.write = [](const OutputContext& c, const std::filesystem::path& path) {
    // The volume (and labels) go to medpipe-render as uncompressed NIfTI beside the output.
    const std::string hidden = "." + path.filename().string();
    const std::filesystem::path image = path.parent_path() / (hidden + ".image.nii"),
                                labels = path.parent_path() / (hidden + ".labels.nii"),
                                log = path.parent_path() / (hidden + ".log");
    Args args = {"render", image.string(), "--preset", c.options.choice("preset"), "--view", c.options.text("view"),
                 "--size", c.options.text("size"), "-o", path.string(), "--quiet"};
    std::string problem;
    try {
      if (c.data.kind() == DataKind::Labels) {
        writeImage(*c.background, image);
        writeLabelImage(*c.data.labels, labels);
        args.insert(args.end(), {"--labels", labels.string()});
      } else {
        writeImage(*c.data.image, image);
      }
      problem = runRenderHelper(args, log);
    } catch (...) {
      std::error_code ec;
      for (const auto& p : {image, labels, log}) std::filesystem::remove(p, ec);
      throw;
    }
    std::error_code ec;
    for (const auto& p : {image, labels, log}) std::filesystem::remove(p, ec);
    if (!problem.empty()) throw Error(path.string(), "", problem);
  };
#else
  format.unavailable = "this medpipe is built without VTK (MEDPIPE_WITH_VTK=OFF)";
#endif
  registerOutputFormat(std::move(format));
}

}  // namespace medpipe::cli
