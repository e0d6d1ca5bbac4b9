#pragma once
// What unet-segment and unet-probability share: their parameters and running a model card's network
// over an image (medpipe::deep): resample onto the model's LPS grid and spacing, normalise, slide
// windows, and resample the result back onto the input's grid. Private to the filters module.
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/filters/parameters.h"

namespace medpipe {

// model, mode, overlap, blend, mirror, batch.
std::vector<ParameterSpec> unetParameters();

struct UnetResult {
  LabelImage::Pointer labels;       // the card's label values, on the input's grid (without probabilityOf)
  ImageF::Pointer probability;      // of `probabilityOf` (a label value), when asked for
};

// probabilityOf 0: labels only; otherwise that label's probability only (the labels' resampling to
// the input's grid, a pass over every voxel, would be thrown away). Errors name `stage`.
UnetResult runUnet(const ImageF& image, const ParameterValues& p, const Progress& progress, const std::string& stage,
                   int probabilityOf = 0);

}  // namespace medpipe
