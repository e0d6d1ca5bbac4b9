// medpipe view: the 3D scene of `medpipe render` (volume, label surfaces, presets, views) in an
// interactive window on the user's screen. Needs a display: unlike render it never starts Xvfb.
#include <cstdlib>
#include <iostream>

#include "cli_support.h"
#include "medpipe/core/log.h"
#include "medpipe/io/image_file.h"

#ifdef MEDPIPE_RENDER_HELPER  // medpipe-render: VTK in this process
#include "medpipe/preview/camera_view.h"
#include "medpipe/render/volume_render.h"
#elif defined(MEDPIPE_WITH_VTK)  // medpipe: hands over to medpipe-render
#include "render_helper.h"
#endif

namespace medpipe::cli {
namespace {

struct ViewArgs {
  std::string image, labels, preset, view = "anterior", size = "800x800", screenshot;
  bool exitAfterRender = false, quiet = false, verbose = false;
};

constexpr const char* kWindowTitle =
    "medpipe view - drag: rotate, right drag/wheel: zoom, middle or shift drag: pan, r: refit, q: quit";

#ifdef MEDPIPE_RENDER_HELPER
int view(const ViewArgs& a) {
  RenderOptions options;
  if (!a.preset.empty()) options.preset = a.preset;
  std::tie(options.width, options.height) = parsePictureSize("--size", a.size);
  options.view = parseCameraView(a.view);
  // Before reading anything: a window needs a screen, and Xvfb would only show it to nobody.
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::cerr << "medpipe view: error: no display (DISPLAY is not set): medpipe view needs a screen; "
                 "use medpipe render -o OUT.png for pictures\n";
    return kFailure;
  }
  const auto image = readImage(a.image);
  const auto labels = a.labels.empty() ? nullptr : readLabelImage(a.labels);
  InteractiveOptions interactive;
  interactive.windowTitle = kWindowTitle;
  interactive.screenshot = a.screenshot;
  interactive.exitAfterFirstFrame = a.exitAfterRender;
  showInteractive(*image, labels.GetPointer(), options, interactive);
  if (!a.screenshot.empty()) std::cout << a.screenshot << "\n";
  return kSuccess;
}
#endif

}  // namespace

int runView(const Args& args) {
  CommandLine line;
  line.usage = "medpipe view IMAGE [--labels LABELMAP] [--preset P] [--view V] [--size WxH]";
  ViewArgs a;
  line.options.add_options()
      ("image", po::value(&a.image)->required(), "the volume (NIfTI, NRRD, MetaImage)")
      ("labels,l", po::value(&a.labels), "a label map drawn over it as coloured surfaces")
      ("preset", po::value(&a.preset), "ct-bone (default), ct-soft-tissue, ct-lung, mr-default, mip")
      ("view", po::value(&a.view)->default_value(a.view),
       "where the camera starts: anterior, posterior, left, right, superior, inferior, or AZ,EL degrees")
      ("size", po::value(&a.size)->default_value(a.size), "window size WxH in pixels")
      ("screenshot", po::value(&a.screenshot), "for tests and scripts: write the first frame to this PNG")
      ("exit-after-render", po::bool_switch(&a.exitAfterRender),
       "for tests and scripts: close the window after the first frame instead of waiting for the user")
      ("quiet,q", po::bool_switch(&a.quiet), "no informational messages")
      ("verbose,v", po::bool_switch(&a.verbose), "also debug messages");
  line.positional.add("image", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(a.quiet, a.verbose);
#ifdef MEDPIPE_RENDER_HELPER
  return reportErrors("view", [&] { return view(a); }, {{"preset", "--preset"}, {"size", "--size"}, {"view", "--view"}});
#elif defined(MEDPIPE_WITH_VTK)
  return execRenderHelper("view", args);
#else
  std::cerr << "medpipe view: error: VTK is not built in (this medpipe was built with MEDPIPE_WITH_VTK=OFF): "
               "use medpipe render --montage for slice pictures\n";
  return kUsage;
#endif
}

}  // namespace medpipe::cli
