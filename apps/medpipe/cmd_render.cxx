// medpipe render: previews of a volume and its label map. --montage draws axial/coronal/sagittal
// slices (no OpenGL, always available); otherwise VTK volume rendering, offscreen, headless, in
// medpipe-render (this file is compiled into both programs: medpipe hands 3D over to it).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/io/image_file.h"
#include "medpipe/preview/slice_montage.h"

#ifdef MEDPIPE_RENDER_HELPER  // medpipe-render: VTK in this process
#include "animated_gif.h"
#include "medpipe/preview/camera_view.h"
#include "medpipe/render/volume_render.h"
#include "x_server.h"
#elif defined(MEDPIPE_WITH_VTK)  // medpipe: 3D through medpipe-render
#include "render_helper.h"
#endif

namespace medpipe::cli {
namespace {

struct RenderArgs {
  std::string image, labels, output, preset, view = "anterior", size, point, labelOpacity;
  unsigned turntable = 0;
  bool montage = false, quiet = false, verbose = false;
};

PointLps parsePoint(const std::string& text) {
  PointLps p{};
  int used = 0;
  if (std::sscanf(text.c_str(), "%lf,%lf,%lf%n", &p[0], &p[1], &p[2], &used) != 3 ||
      static_cast<size_t>(used) != text.size())
    throw Error("", "--point", "'" + text + "' is not X,Y,Z in mm (LPS)");
  return p;
}

double parseOpacity(const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v >= 0 && v <= 1) return v;
  } catch (const std::exception&) {
  }
  throw Error("", "--label-opacity", "'" + text + "' is not an opacity between 0 and 1");
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int renderMontage(const RenderArgs& a) {
  if (a.turntable) throw Error("", "--turntable", "a montage has no turntable: drop --montage or --turntable");
  MontageOptions options;
  if (!a.preset.empty()) options.window = a.preset;
  const auto [w, h] = parsePictureSize("--size", a.size.empty() ? "768x256" : a.size);
  if (!a.point.empty()) options.slicePoint = parsePoint(a.point);
  if (!a.labelOpacity.empty()) options.labelOpacity = parseOpacity(a.labelOpacity);
  const auto start = std::chrono::steady_clock::now();
  const auto image = readImage(a.image);
  // A one-slice image is one panel (slice_montage.h): it gets the whole picture size.
  options.panelSize = isOneSliceImage(*image) ? std::min(w, h) : std::min(w / 3, h);
  const auto labels = a.labels.empty() ? nullptr : readLabelImage(a.labels);
  writeSliceMontage(*image, labels.GetPointer(), options, a.output);
  logDebug("montage written in " + std::to_string(secondsSince(start)) + " s");
  std::cout << a.output << "\n";
  return kSuccess;
}

#ifdef MEDPIPE_RENDER_HELPER
// "0.3" (every label) or "1=0.2,3=1" (per label).
std::map<std::uint8_t, double> parseLabelOpacities(const std::string& text) {
  std::map<std::uint8_t, double> opacities;
  if (text.find('=') == std::string::npos) {
    const double all = parseOpacity(text);
    for (unsigned label = 1; label < 256; ++label) opacities[static_cast<std::uint8_t>(label)] = all;
    return opacities;
  }
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    const size_t eq = item.find('=');
    int label = -1;
    try {
      label = eq == std::string::npos ? -1 : std::stoi(item.substr(0, eq));
    } catch (const std::exception&) {
    }
    if (label < 1 || label > 255)
      throw Error("", "--label-opacity", "'" + item + "' is not LABEL=OPACITY with LABEL in 1..255");
    opacities[static_cast<std::uint8_t>(label)] = parseOpacity(item.substr(eq + 1));
    start = end + 1;
  }
  return opacities;
}

int renderThreeD(const RenderArgs& a) {
  RenderOptions options;
  if (!a.preset.empty()) options.preset = a.preset;
  std::tie(options.width, options.height) = parsePictureSize("--size", a.size.empty() ? "512x512" : a.size);
  if (!a.labelOpacity.empty()) options.labelOpacity = parseLabelOpacities(a.labelOpacity);
  options.view = parseCameraView(a.view);
  const auto start = std::chrono::steady_clock::now();
  const auto image = readImage(a.image);
  const auto labels = a.labels.empty() ? nullptr : readLabelImage(a.labels);
  const auto xServer = PrivateXServer::startIfNoDisplay();  // before VTK touches OpenGL
  if (a.turntable == 0) {
    renderVolume(*image, labels.GetPointer(), options, a.output);
    std::cout << a.output << "\n";
  } else {
    const auto frames = renderTurntable(*image, labels.GetPointer(), options, a.turntable, a.output);
    for (const auto& frame : frames) std::cout << frame.string() << "\n";
    std::filesystem::path gif = a.output;
    gif.replace_extension(".gif");
    if (const auto encoder = writeAnimatedGif(frames, gif, 8)) {
      std::cout << gif.string() << "\n";
      logDebug("GIF encoded with " + *encoder);
    } else {
      logInfo("no GIF encoder found (Debian package imagemagick): wrote the PNG frames only");
    }
  }
  logDebug("rendered in " + std::to_string(secondsSince(start)) + " s");
  return kSuccess;
}
#endif

}  // namespace

int runRender(const Args& args) {
  CommandLine line;
  line.usage = "medpipe render IMAGE [--labels LABELMAP] -o OUT.png [--montage] [--preset P] [--view V] "
               "[--size WxH] [--turntable N]";
  RenderArgs a;
  line.options.add_options()
      ("image", po::value(&a.image)->required(), "the volume (NIfTI, NRRD, MetaImage)")
      ("labels,l", po::value(&a.labels), "a label map drawn over it: coloured overlay (montage) or surfaces (3D)")
      ("output,o", po::value(&a.output)->required(), "the PNG to write; with --turntable OUT_000.png... (+ OUT.gif)")
      ("montage", po::bool_switch(&a.montage), "axial, coronal and sagittal slices instead of 3D (needs no VTK/OpenGL)")
      ("preset", po::value(&a.preset),
       "3D: ct-bone (default), ct-soft-tissue, ct-lung, mr-default, mip; montage: ct-soft-tissue (default), "
       "ct-bone, ct-lung, mr-default or LEVEL,WIDTH")
      ("view", po::value(&a.view)->default_value(a.view),
       "3D: anterior, posterior, left, right, superior, inferior, or AZ,EL degrees (azimuth from anterior "
       "towards the patient's left, elevation towards superior)")
      ("size", po::value(&a.size), "picture size WxH in pixels (3D default 512x512); montage: three square panels of min(W/3, H) "
       "(default 768x256), one of min(W, H) for a one-slice image")
      ("turntable", po::value(&a.turntable)->default_value(0), "3D: N frames orbiting the patient about the superior axis")
      ("point", po::value(&a.point), "montage: where the slices cross, X,Y,Z mm in LPS (default: label centroid or image centre)")
      ("label-opacity", po::value(&a.labelOpacity),
       "montage: overlay opacity (default 0.5); 3D: one opacity for all surfaces or LABEL=OPACITY,...")
      ("quiet,q", po::bool_switch(&a.quiet), "no informational messages")
      ("verbose,v", po::bool_switch(&a.verbose), "also debug messages (timings, Xvfb)");
  line.positional.add("image", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(a.quiet, a.verbose);
  const std::map<std::string, std::string> flags = {{"preset", "--preset"}, {"window", "--preset"}, {"size", "--size"},
                                                    {"view", "--view"}, {"labels", "--labels"}, {"turntable", "--turntable"}};
  if (a.montage) return reportErrors("render", [&] { return renderMontage(a); }, flags);
#ifdef MEDPIPE_RENDER_HELPER
  return reportErrors("render", [&] { return renderThreeD(a); }, flags);
#elif defined(MEDPIPE_WITH_VTK)
  return execRenderHelper("render", args);
#else
  std::cerr << "medpipe render: error: VTK is not built in (this medpipe was built with MEDPIPE_WITH_VTK=OFF): "
               "only --montage is available\n";
  return kUsage;
#endif
}

}  // namespace medpipe::cli
