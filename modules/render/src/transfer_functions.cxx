#include "transfer_functions.h"

#include <vtkColorTransferFunction.h>
#include <vtkPiecewiseFunction.h>

#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/preview/intensity_window.h"
#include "medpipe/render/volume_render.h"

namespace medpipe {
namespace {

struct ControlPoint {
  double value;            // intensity
  double opacity;          // per mm
  double r, g, b;          // colour
};

using Preset = std::vector<ControlPoint>;

// Opacities are per millimetre: a 60 mm deep body at 0.01/mm is about half opaque.
const Preset kCtBone = {
    {-1024, 0, 0, 0, 0}, {150, 0, 0.73, 0.25, 0.30}, {300, 0.15, 0.85, 0.55, 0.40},
    {500, 0.6, 0.91, 0.82, 0.55}, {1500, 0.85, 1, 1, 1}, {3071, 0.9, 1, 1, 1}};
const Preset kCtSoftTissue = {
    {-1024, 0, 0, 0, 0}, {-150, 0, 0.55, 0.25, 0.15}, {0, 0.008, 0.85, 0.55, 0.45}, {100, 0.015, 0.93, 0.68, 0.58},
    {250, 0.1, 0.95, 0.85, 0.75}, {500, 0.5, 1, 0.97, 0.9}, {3071, 0.8, 1, 1, 1}};
const Preset kCtLung = {
    {-1024, 0, 0, 0, 0}, {-940, 0, 0.45, 0.55, 0.8}, {-880, 0.02, 0.55, 0.65, 0.9}, {-600, 0.03, 0.85, 0.75, 0.85},
    {-450, 0, 0.9, 0.8, 0.8}, {150, 0, 0.9, 0.8, 0.6}, {400, 0.2, 0.95, 0.9, 0.75}, {3071, 0.5, 1, 1, 1}};
// In fractions of the 1st..99th percentile range; colours after Slicer's MR-Default.
const Preset kMrDefault = {
    {0, 0, 0, 0, 0}, {0.15, 0, 0.17, 0, 0}, {0.3, 0.02, 0.40, 0.15, 0.08},
    {0.6, 0.06, 0.78, 0.61, 0.38}, {1.0, 0.15, 0.85, 0.84, 0.79}};

VolumeAppearance build(const Preset& preset, double scaleLow, double scaleHigh, double opacityScale) {
  auto colours = vtkSmartPointer<vtkColorTransferFunction>::New();
  auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();
  for (const auto& p : preset) {
    const double value = scaleLow + p.value * (scaleHigh - scaleLow);
    colours->AddRGBPoint(value, p.r, p.g, p.b);
    opacity->AddPoint(value, p.opacity * opacityScale);
  }
  VolumeAppearance appearance;
  appearance.property = vtkSmartPointer<vtkVolumeProperty>::New();
  appearance.property->SetColor(colours);
  appearance.property->SetScalarOpacity(opacity);
  appearance.property->SetScalarOpacityUnitDistance(1.0);  // opacities above are per mm
  appearance.property->SetInterpolationTypeToLinear();
  appearance.property->ShadeOn();
  appearance.property->SetAmbient(0.25);
  appearance.property->SetDiffuse(0.75);
  appearance.property->SetSpecular(0.2);
  appearance.property->SetSpecularPower(10);
  return appearance;
}

VolumeAppearance maximumIntensity(const ImageF& image) {
  // Air maps to transparent black; the brightest 0.1 % saturate (bone, contrast, fat in MR).
  const auto [low, high] = intensityPercentiles(image, 0.01, 0.999);
  const double top = high > low ? high : low + 1;
  auto colours = vtkSmartPointer<vtkColorTransferFunction>::New();
  colours->AddRGBPoint(low, 0, 0, 0);
  colours->AddRGBPoint(top, 1, 1, 1);
  auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();
  opacity->AddPoint(low, 0);
  opacity->AddPoint(top, 1);
  VolumeAppearance appearance;
  appearance.property = vtkSmartPointer<vtkVolumeProperty>::New();
  appearance.property->SetColor(colours);
  appearance.property->SetScalarOpacity(opacity);
  appearance.property->SetInterpolationTypeToLinear();
  appearance.property->ShadeOff();
  appearance.maximumIntensity = true;
  return appearance;
}

}  // namespace

const std::vector<std::string>& volumeRenderPresets() {
  static const std::vector<std::string> names = {"ct-bone", "ct-soft-tissue", "ct-lung", "mr-default", "mip"};
  return names;
}

VolumeAppearance volumeAppearanceFor(const std::string& preset, const ImageF& image, double opacityScale) {
  if (preset == "ct-bone") return build(kCtBone, 0, 1, opacityScale);
  if (preset == "ct-soft-tissue") return build(kCtSoftTissue, 0, 1, opacityScale);
  if (preset == "ct-lung") return build(kCtLung, 0, 1, opacityScale);
  if (preset == "mr-default") {
    const auto [low, high] = intensityPercentiles(image, 0.01, 0.99);
    return build(kMrDefault, low, high > low ? high : low + 1, opacityScale);
  }
  if (preset == "mip") return maximumIntensity(image);
  std::string known;
  for (const auto& name : volumeRenderPresets()) known += (known.empty() ? "" : ", ") + name;
  throw Error("", "preset", "'" + preset + "' is not a volume rendering preset (" + known + ")");
}

}  // namespace medpipe
