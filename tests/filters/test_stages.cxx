// The stage contract and the gaussian stage, on the phantom with a known clean image.
#include <gtest/gtest.h>

#include <cmath>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {
namespace {

// PSNR against the clean phantom over voxels at least two voxels away from any tissue boundary,
// so it measures noise removal; edge blurring is bounded separately.
double interiorPsnr(const Phantom& clean, const ImageF& test) {
  const auto size = clean.labels->GetLargestPossibleRegion().GetSize();
  double sum = 0;
  size_t n = 0;
  for (long z = 1; z + 1 < long(size[2]); ++z)
    for (long y = 2; y + 2 < long(size[1]); ++y)
      for (long x = 2; x + 2 < long(size[0]); ++x) {
        const auto label = clean.labels->GetPixel({{x, y, z}});
        bool interior = true;
        for (long dz = -1; dz <= 1 && interior; ++dz)
          for (long dy = -2; dy <= 2 && interior; ++dy)
            for (long dx = -2; dx <= 2 && interior; ++dx)
              interior = clean.labels->GetPixel({{x + dx, y + dy, z + dz}}) == label;
        if (!interior) continue;
        sum += std::pow(double(clean.image->GetPixel({{x, y, z}})) - test.GetPixel({{x, y, z}}), 2);
        ++n;
      }
  const double range = 1700;  // -1000 .. 700 HU
  return 10 * std::log10(range * range / (sum / n));
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Stages, GaussianRaisesPsnrOfTheNoisyPhantom) {
  PhantomSpec spec;
  spec.size = {64, 64, 16};
  spec.spacing = {3.2, 3.2, 8.0};
  spec.noiseSigma = 100;
  const Phantom noisy = makeBodyPhantom(spec);
  spec.noiseSigma = 0;
  const Phantom clean = makeBodyPhantom(spec);
  const auto smoothed = runStage(findStage("gaussian"), {{"image", {noisy.image, nullptr, nullptr}}}, {{"sigma", 3.2}}).image;
  const double before = interiorPsnr(clean, *noisy.image), after = interiorPsnr(clean, *smoothed);
  EXPECT_GT(after, before + 6) << "before " << before << " dB, after " << after << " dB";
}

TEST(Stages, BadParametersNameTheStageTheParameterAndWhatIsAllowed) {
  const StageSpec& spec = findStage("gaussian").spec();
  EXPECT_EQ(errorOf([&] { validateParameters(spec, {{"sigam", 1}}); }),
            "gaussian.sigam: unknown parameter (did you mean 'sigma'?)");
  EXPECT_EQ(errorOf([&] { validateParameters(spec, {{"sigma", -1}}); }),
            "gaussian.sigma: -1 is out of range [0.01, 100] mm");
  EXPECT_EQ(errorOf([] { findStage("gausian"); }), "stage: unknown stage 'gausian' (did you mean 'gaussian'?)");
  EXPECT_EQ(errorOf([&] { validateParameters(spec, {{"sigma", std::string("wide")}}); }),
            "gaussian.sigma: expected a number, got 'wide'");
  EXPECT_EQ(errorOf([&] { parseParameterText("gaussian", spec.parameters[0], "1.5mm"); }),
            "gaussian.sigma: '1.5mm' is not a number");
  EXPECT_DOUBLE_EQ(validateParameters(spec, {}).number("sigma"), 1.0);
  EXPECT_DOUBLE_EQ(validateParameters(spec, {{"sigma", 2L}}).number("sigma"), 2.0);
}

}  // namespace medpipe
