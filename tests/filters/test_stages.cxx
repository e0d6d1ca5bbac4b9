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

// The text of a number is what resume hashes and provenance records: it must tell apart every two
// doubles (%g made 100.00001 and 100.00002 both "100") and read back as the same double.
TEST(Stages, NumbersAreWrittenInTheShortestTextThatReadsBackExactly) {
  EXPECT_EQ(formatParameterValue(100.00001), "100.00001");
  EXPECT_EQ(formatParameterValue(100.00002), "100.00002");
  EXPECT_EQ(formatParameterValue(0.1), "0.1");
  EXPECT_EQ(formatParameterValue(300.0), "300");
  EXPECT_EQ(formatParameterValue(-1024.5), "-1024.5");
  EXPECT_EQ(formatParameterValue(1e-7), "1e-07");
  EXPECT_EQ(formatParameterValue(100000.0), "100000");
  EXPECT_EQ(formatParameterValue(1e9), "1e+09");
  const ParameterSpec number = ParameterSpec::number("x", 0, -1e308, 1e308, "", "");
  for (double v : {100.00001, 0.1 + 0.2, 1.0 / 3, -2.5e-300, 6.02214076e23, 0.028125 * 0.45, 2.2250738585072014e-308, 1.7976931348623157e308}) {
    const std::string text = formatParameterValue(v);
    EXPECT_EQ(std::get<double>(parseParameterText("s", number, text)), v) << text;
  }
  Points p;
  p.points = {{38.000001, -2, 0.5}};
  EXPECT_EQ(formatParameterValue(p), "38.000001,-2,0.5");
}

}  // namespace medpipe
