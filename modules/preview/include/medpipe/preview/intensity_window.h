#pragma once
// Which intensities map to black and white: the window/level presets radiologists use for CT,
// and a percentile window for MR, whose intensities have no absolute scale.
#include <string>
#include <utility>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

struct IntensityWindow {
  double level = 40;   // centre
  double width = 400;  // lower() is black, upper() is white
  double lower() const { return level - width / 2; }
  double upper() const { return level + width / 2; }
};

// "ct-soft-tissue" (40/400), "ct-bone" (400/1800), "ct-lung" (-600/1500), "mr-default" (1st..99th
// percentile of the image), or "LEVEL,WIDTH" in the image's units. Throws medpipe::Error
// (field "window") for anything else.
IntensityWindow intensityWindowFor(const std::string& preset, const ImageF& image);

// Throws as intensityWindowFor does when `preset` is neither a preset nor LEVEL,WIDTH (no image needed).
void checkIntensityWindow(const std::string& preset);

// The named presets intensityWindowFor knows, for help texts and error messages.
const std::vector<std::string>& intensityWindowPresets();

// The intensities below which `low` and `high` (fractions in [0, 1]) of the voxels lie. Estimated
// from at most a million evenly spread voxels, so it stays fast on big volumes.
std::pair<double, double> intensityPercentiles(const ImageF& image, double low, double high);

}  // namespace medpipe
