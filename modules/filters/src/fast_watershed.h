#pragma once
// medpipe's own watershed behind `watershed` (its `implementation: fast`): the gradient magnitude of
// the Gaussian-smoothed image quantised to 65536 levels, flooded with a bucket queue (one FIFO per
// level) instead of ITK's std::map of std::queue over float values. Private to the filters module.
//
// - From markers it is ITK's MorphologicalWatershedFromMarkersImageFilter's flooding, voxel for
//   voxel (same seeding, same neighbour order, same FIFO within a level, same watershed lines), on
//   the quantised gradient: it differs from ITK only where the quantisation or the gradient
//   (central differences of the smoothed image, not recursive Gaussian derivatives) reorders voxels.
// - Without markers, ITK's markers the same way on the levels: the regional minima of the h-minima
//   transform (reconstruction by erosion of the levels raised by `level`, by Vincent's hybrid raster
//   scans), numbered in raster order, then the same flood; the regions by size as ITK's relabelling.
// Peak memory: the input and one float volume while smoothing, then 2-byte levels, 4-byte labels
// and (with `level`) the 2-byte h-minima (8-bit labels with markers): 3 float volumes with the input.
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

struct WatershedSettings {
  double sigma = 1.0;        // mm, Gaussian smoothing of the gradient magnitude
  double level = 0;          // HU/mm, without markers: dynamics up to this merge
  bool fullyConnected = false;
  bool watershedLines = false;
};

// Regions numbered as the stage documents: with markers, the markers' labels; without, by size
// (1 = largest), beyond 255 the smallest become 0. Throws Error("", stage, "cancelled") within a
// fraction of a second of a cancel.
LabelImage::Pointer fastWatershed(const ImageF& image, const LabelImage* markers, const WatershedSettings& settings,
                                  const Progress& progress, const std::string& stage);

}  // namespace medpipe
