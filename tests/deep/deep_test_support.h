#pragma once
// What the deep-learning tests share: skipping without libtorch, the shipped model, Dice, phantoms.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "image_compare.h"
#include "medpipe/deep/network.h"
#include "medpipe/phantom/body_phantom.h"

#define MEDPIPE_REQUIRE_TORCH()                                                                   \
  if (!::medpipe::deep::torchAvailable())                                                         \
  GTEST_SKIP() << "built without libtorch (MEDPIPE_WITH_TORCH=OFF, as the sanitizer build): "     \
                  "the deep-learning stages are not there to test"

namespace medpipe::test {

// testdata/unet-phantom: trained on phantoms by scripts/train-phantom-unet.sh (testdata/README.md).
inline std::filesystem::path shippedModel() { return std::filesystem::path(MEDPIPE_SOURCE_DIR) / "testdata" / "unet-phantom"; }

// The phantoms the shipped model was trained on and is tested on: 64 x 64 x 16 voxels of 3.2 x 3.2 x 10 mm.
inline PhantomSpec modelPhantom(std::uint32_t seed, std::array<double, 3> lungOffset = {0, 0, 0}) {
  PhantomSpec spec;
  spec.size = {64, 64, 16};
  spec.spacing = {3.2, 3.2, 10.0};
  spec.seed = seed;
  spec.lungOffset = lungOffset;
  return spec;
}

// Dice of label `value` between two label maps on one grid.
inline double dice(const LabelImage& a, const LabelImage& b, int value) {
  return labelDice(a, b, static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value));
}

// Debian's python3 (python3-torch), not whatever python3 comes first on PATH.
inline std::string debianPython() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

}  // namespace medpipe::test
