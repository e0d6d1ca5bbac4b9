#pragma once
// 3D previews: a volume rendered with a transfer-function preset, label maps drawn as smoothed
// coloured surfaces over it, seen from a view named in patient terms, offscreen, to PNG, or in an
// interactive window on the user's screen (showInteractive).
// Rendering needs an X display (Debian's VTK is GLX-only): without DISPLAY these functions throw
// medpipe::Error instead of letting VTK abort the process. The CLI starts Xvfb when needed.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/preview/rgb_image.h"
#include "medpipe/preview/camera_view.h"

namespace medpipe {

struct RenderOptions {
  // ct-bone, ct-soft-tissue, ct-lung, mr-default (intensity percentiles), mip (maximum intensity).
  std::string preset = "ct-bone";
  CameraView view;  // anterior unless set, e.g. parseCameraView("left"); a turntable starts here
  unsigned width = 512, height = 512;
  // Surface opacity per label. A label not listed is opaque, unless its bounding box encloses
  // another label's (a body outline around organs): then it is drawn at 0.25 so the inside shows.
  std::map<std::uint8_t, double> labelOpacity;
  // With labels the volume is context: its opacity is scaled by this factor.
  double volumeOpacityWithLabels = 0.35;
};

// The preset names RenderOptions::preset accepts.
const std::vector<std::string>& volumeRenderPresets();

// One scene (volume, transfer functions, label surfaces) built once and rendered from any number
// of views. The image must outlive the renderer; the label map is only read by the constructor.
class VolumeRenderer {
 public:
  VolumeRenderer(const ImageF& image, const LabelImage* labels, const RenderOptions& options);
  ~VolumeRenderer();
  VolumeRenderer(const VolumeRenderer&) = delete;
  VolumeRenderer& operator=(const VolumeRenderer&) = delete;

  RgbImage render(const CameraView& view);

 private:
  struct Scene;
  std::unique_ptr<Scene> scene_;
};

// One picture from options.view, written as a PNG atomically.
void renderVolume(const ImageF& image, const LabelImage* labels, const RenderOptions& options,
                  const std::filesystem::path& path);

// `frames` pictures orbiting the patient about the superior axis from options.view (azimuth steps
// of 360/frames degrees towards the patient's left), written as turntableFramePath(output, i).
std::vector<std::filesystem::path> renderTurntable(const ImageF& image, const LabelImage* labels,
                                                   const RenderOptions& options, unsigned frames,
                                                   const std::filesystem::path& output);

struct InteractiveOptions {
  std::string windowTitle = "medpipe view";  // the help text (mouse and keys) goes here
  // Written after the first frame, as a PNG, when not empty.
  std::filesystem::path screenshot;
  // Return after the first frame (and screenshot) instead of running the event loop: for tests
  // and scripts that need the window path exercised without a user.
  bool exitAfterFirstFrame = false;
};

// The scene of VolumeRenderer (same presets, label surfaces and LPS world) in a window on the
// current X display, starting at options.view, with trackball camera interaction (drag: rotate,
// right drag or wheel: zoom, middle or shift drag: pan, q: quit). Blocks until the window closes.
// Throws medpipe::Error when DISPLAY is unset or its X server does not answer; it never starts one.
void showInteractive(const ImageF& image, const LabelImage* labels, const RenderOptions& options,
                     const InteractiveOptions& interactive = {});

// "spin.png", 7 -> "spin_007.png" beside it.
std::filesystem::path turntableFramePath(const std::filesystem::path& output, unsigned frame);

}  // namespace medpipe
