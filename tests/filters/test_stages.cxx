// The stage contract and the gaussian stage, on the phantom with a known clean image.
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include <cmath>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {

using test::errorOf;
using test::interiorPsnr;
namespace {

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
