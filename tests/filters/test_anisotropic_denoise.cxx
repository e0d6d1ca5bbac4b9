// patch-based-denoising on CT's anisotropic voxels (0.8 x 0.7 x 2.5 mm):
// ITK 5.2's smooth-disc patch weights made it stop at once there with "Patch
// weights must be in the range [0,1]".
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {
namespace {

PhantomSpec anisotropicCt(double noise) {
  PhantomSpec spec;
  spec.size = {80, 80, 6};  // a 64 x 56 x 15 mm block around the centre
  spec.spacing = {0.8, 0.7, 2.5};
  spec.noiseSigma = noise;
  return spec;
}

TEST(AnisotropicDenoise, PatchBasedDenoisingRunsOnCtSpacingAndRemovesNoise) {
  const Phantom noisy = makeBodyPhantom(anisotropicCt(100));
  const Phantom clean = makeBodyPhantom(anisotropicCt(0));
  for (const long radius : {1L}) {  // 4 x 4 x 1 voxels: a box of about 7 x 6 x 7.5 mm
    const auto out = runStage(findStage("patch-based-denoising"), {{"image", {noisy.image, nullptr, nullptr}}},
                              {{"iterations", 3L}, {"patches", 10L}, {"patch-radius", radius}})
                         .image;
    ASSERT_TRUE(out) << radius;
    EXPECT_EQ(out->GetSpacing(), noisy.image->GetSpacing());
    const double before = test::interiorPsnr(clean, *noisy.image), after = test::interiorPsnr(clean, *out);
    EXPECT_GT(after, before + 2.0) << "patch-radius " << radius << ": " << before << " -> " << after << " dB";
  }
}

}  // namespace
}  // namespace medpipe
