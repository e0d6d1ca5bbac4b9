#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkFixedPointVolumeRayCastMapper.h>
#include <vtkImageData.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVolume.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "label_surfaces.h"
#include "medpipe/core/error.h"
#include "medpipe/preview/label_colors.h"
#include "medpipe/preview/png_file.h"
#include "medpipe/render/volume_render.h"
#include "transfer_functions.h"
#include "vtk_image_bridge.h"
#include "vtk_log_bridge.h"
#include "x_display.h"

namespace medpipe {
namespace {

constexpr unsigned kMaxSide = 8192;

// Debian's VTK renders through GLX only: with no X server it aborts the whole process (exit 134),
// which no caller could catch. Refuse early with an error the caller can report.
void requireDisplay() {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display)
    throw Error("", "DISPLAY",
                "no X display: VTK renders through GLX here and needs an X server (run under xvfb-run, or use the "
                "medpipe CLI, which starts Xvfb itself)");
}

// A window on a display nobody serves (a stale DISPLAY, an ssh session without X forwarding) would
// crash inside VTK: connect once first and say which display failed.
void requireReachableDisplay() {
  requireDisplay();
  if (!xDisplayAnswers())
    throw Error("", "DISPLAY", std::string("cannot open X display '") + std::getenv("DISPLAY") +
                                   "' (is the X server running, and may this user connect to it?)");
}

vtkSmartPointer<vtkActor> surfaceActor(const LabelSurface& surface, double opacity, bool outline) {
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(surface.mesh);
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  const Rgb colour = labelColor(surface.label);
  vtkProperty* property = actor->GetProperty();
  property->SetColor(colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
  property->SetOpacity(opacity);
  property->SetAmbient(0.2);
  property->SetDiffuse(0.8);
  property->SetSpecular(0.2);
  property->SetSpecularPower(20);
  // A translucent outline shows only its near side: one veil over what it encloses, not two.
  if (outline) property->BackfaceCullingOn();
  return actor;
}

// A label whose bounding box encloses others' (a body around its organs) would hide them and would
// share its inner walls with them: it is drawn as the outline of itself and all it encloses, at
// 0.25 opacity. Every other label is an opaque surface of its own. `chosen` overrides opacities.
void addLabelSurfaces(vtkRenderer& renderer, const LabelImage& labels, const std::map<std::uint8_t, double>& chosen) {
  const auto enclosed = enclosedLabels(labels);
  std::vector<LabelRegion> regions;
  for (auto label : labelsPresent(labels)) {
    LabelRegion region{label, {label}};
    if (auto inside = enclosed.find(label); inside != enclosed.end())
      region.values.insert(region.values.end(), inside->second.begin(), inside->second.end());
    regions.push_back(region);
  }
  for (const auto& surface : labelSurfaces(labels, regions)) {
    const bool outline = enclosed.count(surface.label) > 0;
    const auto choice = chosen.find(surface.label);
    const double opacity = choice != chosen.end() ? choice->second : outline ? 0.25 : 1.0;
    if (opacity > 0) renderer.AddActor(surfaceActor(surface, std::min(opacity, 1.0), outline));
  }
}

// The scene shared by VolumeRenderer and showInteractive: the volume with its preset and the
// label surfaces, in LPS, on black. `interactive` lets the ray caster coarsen its sampling while the
// camera moves, so dragging stays fluid on big volumes; still frames are sampled as offscreen.
vtkSmartPointer<vtkRenderer> buildScene(const ImageF& image, const LabelImage* labels, const RenderOptions& options,
                                        bool interactive) {
  if (options.width < 16 || options.height < 16 || options.width > kMaxSide || options.height > kMaxSide)
    throw Error("", "size", "width and height must be between 16 and " + std::to_string(kMaxSide) + " pixels");
  requireDisplay();
  routeVtkMessagesToLog();
  const VolumeAppearance appearance =
      volumeAppearanceFor(options.preset, image, labels ? options.volumeOpacityWithLabels : 1.0);
  // The CPU ray caster gives the same picture on every machine (no GPU driver differences) and
  // its sample distances are fixed here rather than adapted to the frame rate (except while an
  // interactive camera moves).
  auto mapper = vtkSmartPointer<vtkFixedPointVolumeRayCastMapper>::New();
  mapper->SetInputData(wrapAsVtkImage(image));
  mapper->SetAutoAdjustSampleDistances(interactive ? 1 : 0);
  const auto spacing = image.GetSpacing();
  mapper->SetSampleDistance(std::min({spacing[0], spacing[1], spacing[2]}) / 2);
  mapper->SetImageSampleDistance(1.0);
  if (appearance.maximumIntensity) mapper->SetBlendModeToMaximumIntensity();
  auto volume = vtkSmartPointer<vtkVolume>::New();
  volume->SetMapper(mapper);
  volume->SetProperty(appearance.property);
  volume->SetUserMatrix(indexToLps(image));  // VTK world = LPS
  auto renderer = vtkSmartPointer<vtkRenderer>::New();
  renderer->AddVolume(volume);
  if (labels) addLabelSurfaces(*renderer, *labels, options.labelOpacity);
  renderer->SetBackground(0, 0, 0);
  return renderer;
}

// Looks at the scene from `view`, framed the same from every direction.
void pointCamera(vtkRenderer& renderer, const CameraView& view) {
  double bounds[6];
  renderer.ComputeVisiblePropBounds(bounds);
  const double centre[3] = {(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, (bounds[4] + bounds[5]) / 2};
  vtkCamera* camera = renderer.GetActiveCamera();
  camera->SetFocalPoint(centre);
  camera->SetPosition(centre[0] + view.towardsCamera[0], centre[1] + view.towardsCamera[1],
                      centre[2] + view.towardsCamera[2]);
  camera->SetViewUp(view.viewUp.data());
  // Keeps the direction, moves the camera back until the bounding sphere fits: the same distance
  // from every direction, so turntable frames do not zoom.
  renderer.ResetCamera(bounds);
  camera->Zoom(1.15);
  renderer.ResetCameraClippingRange(bounds);
}

// The window's last frame, top row first.
RgbImage grabFrame(vtkRenderWindow& window) {
  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(&window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();  // the frame just rendered is in the back buffer
  grab->Update();
  vtkImageData* frame = grab->GetOutput();
  int dims[3];
  frame->GetDimensions(dims);
  RgbImage picture(static_cast<unsigned>(dims[0]), static_cast<unsigned>(dims[1]));
  const auto* source = static_cast<const std::uint8_t*>(frame->GetScalarPointer());
  const size_t rowBytes = static_cast<size_t>(dims[0]) * 3;
  for (int y = 0; y < dims[1]; ++y)  // OpenGL's rows run bottom-up, PNG's top-down
    std::memcpy(&picture.pixels[static_cast<size_t>(dims[1] - 1 - y) * rowBytes], source + y * rowBytes, rowBytes);
  return picture;
}

}  // namespace

struct VolumeRenderer::Scene {
  ImageF::ConstPointer image;  // its buffer is shared with VTK
  vtkSmartPointer<vtkRenderer> renderer;
  vtkSmartPointer<vtkRenderWindow> window = vtkSmartPointer<vtkRenderWindow>::New();
};

VolumeRenderer::VolumeRenderer(const ImageF& image, const LabelImage* labels, const RenderOptions& options)
    : scene_(std::make_unique<Scene>()) {
  scene_->image = &image;
  scene_->renderer = buildScene(image, labels, options, false);
  scene_->window->SetOffScreenRendering(1);
  scene_->window->SetMultiSamples(0);  // identical pictures across runs and drivers
  scene_->window->SetSize(static_cast<int>(options.width), static_cast<int>(options.height));
  scene_->window->AddRenderer(scene_->renderer);
}

VolumeRenderer::~VolumeRenderer() = default;

RgbImage VolumeRenderer::render(const CameraView& view) {
  pointCamera(*scene_->renderer, view);
  scene_->window->Render();
  return grabFrame(*scene_->window);
}

void showInteractive(const ImageF& image, const LabelImage* labels, const RenderOptions& options,
                     const InteractiveOptions& interactive) {
  requireReachableDisplay();
  const auto renderer = buildScene(image, labels, options, true);
  vtkNew<vtkRenderWindow> window;
  window->SetMultiSamples(0);  // the same first frame as `medpipe render`
  window->SetSize(static_cast<int>(options.width), static_cast<int>(options.height));
  window->SetWindowName(interactive.windowTitle.c_str());
  window->AddRenderer(renderer);
  vtkNew<vtkRenderWindowInteractor> interactor;
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  interactor->SetInteractorStyle(style);
  interactor->SetRenderWindow(window);
  pointCamera(*renderer, options.view);
  interactor->Initialize();
  window->Render();
  if (!interactive.screenshot.empty()) writePng(grabFrame(*window), interactive.screenshot);
  if (interactive.exitAfterFirstFrame) return;
  interactor->Start();
}

void renderVolume(const ImageF& image, const LabelImage* labels, const RenderOptions& options,
                  const std::filesystem::path& path) {
  VolumeRenderer renderer(image, labels, options);
  writePng(renderer.render(options.view), path);
}

}  // namespace medpipe
