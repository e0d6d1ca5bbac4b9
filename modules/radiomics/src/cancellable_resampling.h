#pragma once
// IBSI's interpolation onto a new grid (ITK's resampler), stopped within a fraction of a second of a
// cancel: on a CT with a large region it takes seconds (cubic: tens). Private to radiomics.
#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/radiomics/processing.h"

namespace medpipe::radiomics {

struct TargetGrid {
  ImageF::PointType origin;
  ImageF::SpacingType spacing;
  itk::Size<3> size;
};

// `image` resampled onto `target` (the image's direction) with `interpolation`, edges extended by
// the nearest voxel. Throws medpipe::Error("", "", "cancelled") once `progress` is cancelled.
ImageF::Pointer resampleOnto(const ImageF& image, const TargetGrid& target, Interpolation interpolation,
                             const Progress& progress);

}  // namespace medpipe::radiomics
