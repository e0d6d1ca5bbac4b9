// patch-based-denoising on CT's anisotropic voxels (0.8 x 0.7 x 2.5 mm), both implementations:
// ITK 5.2's smooth-disc patch weights made it stop at once there with "ITK ERROR: Patch weights
// must be in the range [0,1]"; the radii are in mm, so the patch and the search box are about
// the same physical size on every axis.
#include <gtest/gtest.h>

#include <cstdio>

#include "stage_test_support.h"

#include "medpipe/core/error.h"

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
  const double before = test::interiorPsnr(clean, *noisy.image);
  // Defaults, and for the fast one a 2.5 mm patch too (3 x 4 x 1 voxels; ITK's is 1 voxel along z,
  // 3-4 in-plane for both).
  for (const std::string implementation : {"fast", "itk"})
    for (const double patch : {1.0, 2.5}) {
      if (implementation == "itk" && patch > 1) continue;
      std::map<std::string, ParameterValue> given{{"implementation", implementation}, {"patch-radius", patch}};
      if (implementation == "itk") given["iterations"] = 2L, given["patches"] = 10L;  // about a second
      StageData out;
      try {
        out = runStage(findStage("patch-based-denoising"), {{"image", {noisy.image, nullptr, nullptr}}}, given);
      } catch (const Error& e) {
        FAIL() << implementation << ", patch-radius " << patch << ": " << formatError(e.info());
      }
      ASSERT_TRUE(out.image);
      EXPECT_EQ(out.image->GetSpacing(), noisy.image->GetSpacing());
      const double after = test::interiorPsnr(clean, *out.image);
      std::printf("[ note ] %s, patch-radius %.1f mm: %.1f -> %.1f dB\n", implementation.c_str(), patch, before, after);
      EXPECT_GT(after, before + 2.0) << implementation << ", patch-radius " << patch;
    }
}

}  // namespace
}  // namespace medpipe
