#pragma once
// The [lower, upper] intensity window of the threshold and region-growing stages: its two
// parameters and the check that it is not empty.
#include <limits>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/filters/parameters.h"

namespace medpipe {

constexpr double kUnbounded = std::numeric_limits<double>::infinity();

inline ParameterSpec windowBound(const std::string& name, double value, const std::string& doc) {
  return ParameterSpec::number(name, value, -kUnbounded, kUnbounded, "HU", doc);
}

struct IntensityWindow {
  double lower, upper;
};

// Throws naming "<stage>.lower" when the window is empty.
inline IntensityWindow checkedWindow(const std::string& stage, const ParameterValues& p) {
  const double lower = p.number("lower"), upper = p.number("upper");
  if (lower > upper)
    throw Error("", stage + ".lower",
                formatParameterValue(lower) + " HU is above upper (" + formatParameterValue(upper) + " HU)");
  return {lower, upper};
}

}  // namespace medpipe
