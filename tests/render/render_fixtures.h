#pragma once
// Shared by the render tests: a small phantom on disk, colour classes and pixel counting.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "medpipe/io/image_file.h"
#include "medpipe/phantom/body_phantom.h"
#include "medpipe/preview/rgb_image.h"
#include "test_support.h"

namespace medpipe::test {

// 96 x 96 x 32 voxels of 2.5 x 2.5 x 5 mm: a 240 x 240 x 160 mm box centred on the origin, small
// enough to render in well under a second, large enough to show the arm bone (8 mm radius).
inline PhantomSpec smallPhantomSpec() {
  PhantomSpec spec;
  spec.size = {96, 96, 32};
  spec.spacing = {2.5, 2.5, 5.0};
  return spec;
}

struct PhantomFiles {
  Phantom phantom;
  fs::path image, labels;
};

inline PhantomFiles writeSmallPhantom(const TempDir& dir) {
  PhantomFiles files{makeBodyPhantom(smallPhantomSpec()), dir / "ct.nii.gz", dir / "labels.nii.gz"};
  writeImage(*files.phantom.image, files.image);
  writeLabelImage(*files.phantom.labels, files.labels, {1, false});
  return files;
}

// A test suite sharing one small phantom, written once per suite into its own temporary folder.
class SmallPhantomSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("render-phantom");
    files_ = new PhantomFiles(writeSmallPhantom(*dir_));
  }
  static void TearDownTestSuite() {
    delete files_;
    delete dir_;
    files_ = nullptr, dir_ = nullptr;
  }
  static inline TempDir* dir_ = nullptr;
  static inline PhantomFiles* files_ = nullptr;
};

// Hue classes that survive shading (which scales all channels) and a translucent overlay.
inline bool isYellowish(Rgb c) { return c.r > 90 && c.g > 0.6 * c.r && c.b < 0.5 * c.g; }
inline bool isBluish(Rgb c) { return c.b > 80 && c.b > 1.3 * c.r && c.b > 1.05 * c.g; }
inline bool isBlack(Rgb c) { return c.r < 8 && c.g < 8 && c.b < 8; }

// Pixels in columns [x0, x1) (all rows) for which `test` holds.
inline int countInColumns(const RgbImage& image, unsigned x0, unsigned x1, const std::function<bool(Rgb)>& test) {
  int n = 0;
  for (unsigned y = 0; y < image.height; ++y)
    for (unsigned x = x0; x < x1 && x < image.width; ++x) n += test(image.at(x, y)) ? 1 : 0;
  return n;
}

inline std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace medpipe::test
