#pragma once
// IBSI image processing before feature extraction (reference manual chapter 2): interpolation to
// a new spacing on a grid centred on the old one, rounding, partial-volume mask interpolation,
// range and outlier re-segmentation. Input: one label of a label map on the image's grid.
#include <array>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

enum class Interpolation { Nearest, Linear, Cubic };

struct ProcessingSettings {
  std::array<double, 3> spacing{0, 0, 0};  // mm; 0 keeps that axis; all 0: no interpolation
  Interpolation interpolation = Interpolation::Linear;
  bool roundIntensities = false;                               // after interpolation (CT: whole HU)
  Interpolation maskInterpolation = Interpolation::Linear;     // nearest or linear
  double maskThreshold = 0.5;                                  // interpolated mask >= this is inside
  double rangeMin = -std::numeric_limits<double>::infinity();  // re-segmentation range, inclusive
  double rangeMax = std::numeric_limits<double>::infinity();
  double outlierSigma = 0;  // > 0: drop voxels outside mean +- k sd of the morphological mask
};

// IBSI's diagnostic values (grid sizes, voxel counts and mean intensity after each step), named
// diag_*; written by `--diagnostics` and as diag_* columns of the stage.
using Diagnostics = std::vector<std::pair<std::string, double>>;

// The region `label` of `labels` (same grid as `image`), processed, on a grid cropped to the region
// plus the 1 cm^3 local-intensity sphere. Throws medpipe::Error when the grids differ, the label is
// absent or no voxel survives a step (the step is named), and Error("", "", "cancelled") within a
// fraction of a second of `progress` being cancelled.
RoiImage prepareRegion(const ImageF& image, const LabelImage& labels, int label, const ProcessingSettings& settings,
                       Diagnostics* diagnostics = nullptr, const Progress& progress = Progress());

// The IBSI grid of a resampling: size ceil(n s / s'), centred on the old grid.
struct ResampledGrid {
  std::array<size_t, 3> size{};
  std::array<double, 3> spacing{};
  std::array<double, 3> originShift{};  // along the image axes, mm
};
ResampledGrid resampledGrid(const std::array<size_t, 3>& size, const std::array<double, 3>& spacing,
                            const std::array<double, 3>& newSpacing);

}  // namespace medpipe::radiomics
