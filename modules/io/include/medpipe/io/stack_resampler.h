#pragma once
// Resampling of an irregular slice stack (missing slices, uneven gaps, gantry tilt) onto a
// regular grid whose third axis is the slice normal, as dcm2niix's tilt/equal-spacing outputs do.
#include "medpipe/core/image.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe {

// `raw` holds the stack's slices in sorted order (one slice per z index); its geometry is ignored
// beyond size and in-plane spacing. Returns a new image with orthogonal direction, uniform spacing
// (the typical gap, or the smallest gap when gaps are uneven) and an in-plane field of view widened
// to hold every tilted slice. Voxels outside every slice get the image minimum.
ImageF::Pointer resampleToRegularGrid(const ImageF& raw, const SliceStack& stack);

}  // namespace medpipe
