#pragma once
// What `resample` and `resample-labels` share: the spacing parameters and pointing an ITK resample
// filter at the grid of the same box with the new spacing (voxel_grid.h).
#include <vector>

#include "medpipe/filters/parameters.h"
#include "voxel_grid.h"

namespace medpipe {

inline std::vector<ParameterSpec> spacingParameters() {
  return {ParameterSpec::number("spacing-x", 1.0, 0.01, 100.0, "mm", "new spacing along the image's first axis"),
          ParameterSpec::number("spacing-y", 1.0, 0.01, 100.0, "mm", "new spacing along the second axis"),
          ParameterSpec::number("spacing-z", 1.0, 0.01, 100.0, "mm", "new spacing along the third (slice) axis")};
}

// Sets `filter`'s input and output grid: the box of `image` at the spacing the parameters ask for.
template <typename TResampleFilter, typename TImage>
void resampleOntoNewSpacing(TResampleFilter& filter, const TImage* image, const ParameterValues& p) {
  ImageF::SpacingType spacing;
  spacing[0] = p.number("spacing-x"), spacing[1] = p.number("spacing-y"), spacing[2] = p.number("spacing-z");
  const ResampledGrid grid = resampledGrid(*image, spacing);
  filter.SetInput(image);
  filter.SetSize(grid.size);
  filter.SetOutputSpacing(grid.spacing);
  filter.SetOutputOrigin(grid.origin);
  filter.SetOutputDirection(grid.direction);
}

}  // namespace medpipe
