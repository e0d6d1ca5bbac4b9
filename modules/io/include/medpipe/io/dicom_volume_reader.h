#pragma once
// Turns a sorted SliceStack into a float volume in ITK's LPS physical space, with
// RescaleSlope/Intercept applied (CT in HU) and MONOCHROME1 inverted.
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe {

// What to do with missing slices, non-uniform spacing or gantry tilt.
enum class IrregularGeometry {
  Resample,  // warn, then resample onto a regular grid along the slice normal (default)
  Fail,      // stop with an error that names the finding
};

IrregularGeometry parseIrregularGeometry(const std::string& text);  // "resample" | "fail"

ImageF::Pointer readSliceStack(const SliceStack& stack, IrregularGeometry policy = IrregularGeometry::Resample,
                               const Progress* progress = nullptr);

// The volume readSliceStack gives, as int16, read straight into it when that loses nothing: a regular
// stack of 8/16-bit integer pixels with whole RescaleSlope/Intercept whose every value fits int16 (CT
// in HU). Null otherwise (then readSliceStack): half the memory, no float volume to convert.
ImageS::Pointer readSliceStackAsInt16(const SliceStack& stack, const Progress* progress = nullptr);

}  // namespace medpipe
