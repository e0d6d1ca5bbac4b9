#pragma once
// The time-step rule of the explicit diffusion and curvature-flow stages: 0 means "the stable bound
// for this image's spacing" and anything above the bound is refused, since the result would blow up.
// The bound is 2^-(dim+1) in the units the scheme's derivatives use: ITK's anisotropic diffusion
// scales them by 1/spacing (bound: min spacing / 2^(dim+1)), its curvature flows by 1/spacing^2
// (bound: min spacing^2 / 2^(dim+1); min spacing / 2^(dim+1) diverged on 0.2 mm voxels here).
#include <algorithm>
#include <cmath>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/core/image.h"
#include "medpipe/filters/parameters.h"

namespace medpipe {

enum class SpacingPower { One = 1, Two = 2 };

inline double minSpacing(const ImageF& image) {
  const auto spacing = image.GetSpacing();
  return *std::min_element(spacing.Begin(), spacing.End());
}

inline double stableTimeStep(const ImageF& image, SpacingPower power) {
  return std::pow(minSpacing(image), static_cast<int>(power)) / std::pow(2.0, Dimension + 1);
}

// The declaration every such stage shares, so the rule reads the same in `medpipe stages`.
inline ParameterSpec timeStepParameter(SpacingPower power) {
  return ParameterSpec::number(
      "time-step", 0.0, 0.0, 10.0, "",
      power == SpacingPower::One
          ? "explicit-scheme time step; 0 = auto, the stable bound min spacing / 2^(dim+1) (0.028125 at 0.45 mm); "
            "larger values are refused"
          : "explicit-scheme time step; 0 = auto, the stable bound min spacing^2 / 2^(dim+1) (0.0127 at 0.45 mm, "
            "0.0625 at 1 mm); larger values are refused");
}

// The time step to run with: the stable bound for 0, else `given` if it does not exceed the bound.
inline double checkedTimeStep(const std::string& stage, double given, const ImageF& image, SpacingPower power) {
  const double bound = stableTimeStep(image, power);
  if (given == 0) return bound;
  if (given > bound)
    throw Error("", stage + ".time-step",
                formatParameterValue(given) + " is above the stable bound " + formatParameterValue(bound) +
                    " for this image (min spacing " + formatParameterValue(minSpacing(image)) + " mm" +
                    (power == SpacingPower::Two ? ", squared," : "") + " / 2^" + std::to_string(Dimension + 1) +
                    "); use 0 for the bound");
  return given;
}

}  // namespace medpipe
