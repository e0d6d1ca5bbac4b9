#pragma once
// Transfer-function presets for volume rendering, in the spirit of 3D Slicer's: each maps
// intensity to colour and opacity per millimetre. CT presets are in HU; mr-default and mip follow
// the image's own intensity percentiles, since MR intensities have no absolute scale.
#include <vtkSmartPointer.h>
#include <vtkVolumeProperty.h>

#include <string>

#include "medpipe/core/image.h"

namespace medpipe {

struct VolumeAppearance {
  vtkSmartPointer<vtkVolumeProperty> property;
  bool maximumIntensity = false;  // mip: blend by maximum instead of compositing
};

// opacityScale multiplies every opacity (for a translucent context volume behind label surfaces).
// Throws medpipe::Error (field "preset") for an unknown preset.
VolumeAppearance volumeAppearanceFor(const std::string& preset, const ImageF& image, double opacityScale);

}  // namespace medpipe
