// The denoising stages on the noisy phantom, against the clean one: each must raise the interior
// PSNR by a margin and keep the lung/soft-tissue edge; plus the time-step rule of the explicit schemes.
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {

using test::errorOf;
using test::interiorPsnr;
namespace {

// Mean absolute step between in-plane neighbours whose clean labels are lung and soft tissue:
// 890 HU on the clean phantom; smoothing across the edge lowers it.
double lungEdgeStep(const Phantom& clean, const ImageF& test) {
  const auto size = clean.labels->GetLargestPossibleRegion().GetSize();
  double sum = 0;
  size_t n = 0;
  for (long z = 0; z < long(size[2]); ++z)
    for (long y = 0; y + 1 < long(size[1]); ++y)
      for (long x = 0; x + 1 < long(size[0]); ++x)
        for (const ImageF::IndexType& next : {ImageF::IndexType{{x + 1, y, z}}, ImageF::IndexType{{x, y + 1, z}}}) {
          const ImageF::IndexType here{{x, y, z}};
          const int a = clean.labels->GetPixel(here), b = clean.labels->GetPixel(next);
          if (!((a == kLung && b == kSoftTissue) || (a == kSoftTissue && b == kLung))) continue;
          sum += std::abs(double(test.GetPixel(here)) - test.GetPixel(next));
          ++n;
        }
  return sum / n;
}

// The phantom of test_stages.cxx: small enough that every stage runs in well under a second or two.
PhantomSpec testSpec(double noise) {
  PhantomSpec spec;
  spec.size = {64, 64, 16};
  spec.spacing = {3.2, 3.2, 8.0};
  spec.noiseSigma = noise;
  return spec;
}

struct Measured {
  double psnrBefore = 0, psnrAfter = 0, edge = 0, seconds = 0;
};

Measured denoise(const std::string& stage, const std::map<std::string, ParameterValue>& parameters) {
  static const Phantom noisy = makeBodyPhantom(testSpec(100));
  static const Phantom clean = makeBodyPhantom(testSpec(0));
  const auto start = std::chrono::steady_clock::now();
  const auto out = runStage(findStage(stage), {{"image", {noisy.image, nullptr, nullptr}}}, parameters).image;
  Measured m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.psnrBefore = interiorPsnr(clean, *noisy.image);
  m.psnrAfter = interiorPsnr(clean, *out);
  m.edge = lungEdgeStep(clean, *out);
  std::printf("[ measured ] %s: PSNR %.2f -> %.2f dB (+%.2f), lung edge step %.0f HU (clean 890, noisy %.0f), %.2f s\n",
              stage.c_str(), m.psnrBefore, m.psnrAfter, m.psnrAfter - m.psnrBefore, m.edge,
              lungEdgeStep(clean, *noisy.image), m.seconds);
  return m;
}

// Noise around -100 HU with no edges, on isotropic voxels of `spacing` mm: a diverging scheme shows
// as a standard deviation that grows instead of shrinking.
double standardDeviationAfter(const std::string& stage, double spacing, double* before) {
  PhantomSpec spec;
  spec.size = {24, 24, 24};
  spec.spacing = {spacing, spacing, spacing};
  spec.noiseSigma = 100;
  spec.hu.softTissue = spec.hu.lung = spec.hu.bone = spec.hu.air = -100;
  const Phantom noisy = makeBodyPhantom(spec);
  const auto out =
      runStage(findStage(stage), {{"image", {noisy.image, nullptr, nullptr}}}, {{"iterations", 20L}}).image;
  auto sd = [](const ImageF& image) {
    const size_t n = image.GetPixelContainer()->Size();
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < n; ++i) sum += image.GetBufferPointer()[i], sum2 += std::pow(image.GetBufferPointer()[i], 2);
    return std::sqrt(std::max(0.0, sum2 / n - std::pow(sum / n, 2)));
  };
  *before = sd(*noisy.image);
  return sd(*out);
}

}  // namespace

// Measured on the 64x64x16 phantom (100 HU noise), 2 shared cores: PSNR 26.2 dB before; gains and
// lung-edge steps are noted per test. Bounds are about half the measured gain, and the edge bound
// sits some 15% below the measured step.

TEST(DenoiseStages, MeanRaisesPsnrButBlursEdges) {
  const Measured m = denoise("mean", {{"radius", 3.2}});  // measured +9.7 dB, edge 227 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 5);
  EXPECT_GT(m.edge, 190);
}

TEST(DenoiseStages, MedianRaisesPsnrAndKeepsMostOfTheEdge) {
  const Measured m = denoise("median", {{"radius", 3.2}});  // measured +11.6 dB, edge 618 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 6);
  EXPECT_GT(m.edge, 520);
}

TEST(DenoiseStages, CurvatureAnisotropicDiffusionWithDefaults) {
  const Measured m = denoise("curvature-anisotropic-diffusion", {});  // measured +10.9 dB, edge 827 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 5.5);
  EXPECT_GT(m.edge, 700);
}

TEST(DenoiseStages, GradientAnisotropicDiffusionWithDefaults) {
  const Measured m = denoise("gradient-anisotropic-diffusion", {});  // measured +7.2 dB, edge 881 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 3.5);
  EXPECT_GT(m.edge, 750);
}

TEST(DenoiseStages, Bilateral) {
  const Measured m = denoise("bilateral", {{"domain-sigma", 3.2}, {"range-sigma", 200.0}});  // +7.2 dB, edge 886 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 3.5);
  EXPECT_GT(m.edge, 750);
}

TEST(DenoiseStages, CurvatureFlowWithDefaults) {
  const Measured m = denoise("curvature-flow", {});  // measured +5.5 dB, edge 614 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 2.75);
  EXPECT_GT(m.edge, 520);
}

TEST(DenoiseStages, MinMaxCurvatureFlow) {
  const Measured m = denoise("min-max-curvature-flow", {{"iterations", 10L}});  // measured +6.7 dB, edge 695 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 3.4);
  EXPECT_GT(m.edge, 590);
}

TEST(DenoiseStages, PatchBasedDenoising) {
  // Fewer passes and patches than the defaults keep it near a second here.
  const Measured m = denoise("patch-based-denoising", {{"iterations", 3L}, {"patches", 10L}});  // +4.5 dB, edge 656 HU
  EXPECT_GT(m.psnrAfter, m.psnrBefore + 2.2);
  EXPECT_GT(m.edge, 550);
}

TEST(DenoiseStages, AutomaticTimeStepsStayStableOnFineVoxels) {
  // min spacing / 16 made curvature flow diverge on 0.2 mm voxels; each scheme's own bound must not.
  for (const char* stage : {"curvature-anisotropic-diffusion", "gradient-anisotropic-diffusion", "curvature-flow",
                            "min-max-curvature-flow"})
    for (double spacing : {0.1, 0.45, 3.2}) {
      double before = 0;
      const double after = standardDeviationAfter(stage, spacing, &before);
      EXPECT_LT(after, before / 1.4) << stage << " at " << spacing << " mm: sd " << before << " -> " << after;
    }
}

TEST(DenoiseStages, TimeStepAboveTheStableBoundIsRefusedNamingTheBound) {
  PhantomSpec spec = testSpec(20);
  spec.size = {16, 16, 4};
  spec.spacing = {0.45, 0.45, 3.0};
  const Phantom ct = makeBodyPhantom(spec);
  const StageInputs in{{"image", {ct.image, nullptr, nullptr}}};
  EXPECT_EQ(errorOf([&] { runStage(findStage("curvature-anisotropic-diffusion"), in, {{"time-step", 0.0625}}); }),
            "curvature-anisotropic-diffusion.time-step: 0.0625 is above the stable bound 0.028125 for this image "
            "(min spacing 0.45 mm / 2^4); use 0 for the bound");
  EXPECT_EQ(errorOf([&] { runStage(findStage("gradient-anisotropic-diffusion"), in, {{"time-step", 0.03}}); }),
            "gradient-anisotropic-diffusion.time-step: 0.03 is above the stable bound 0.028125 for this image "
            "(min spacing 0.45 mm / 2^4); use 0 for the bound");
  EXPECT_EQ(errorOf([&] { runStage(findStage("curvature-flow"), in, {{"time-step", 0.0625}}); }),
            "curvature-flow.time-step: 0.0625 is above the stable bound 0.01265625 for this image "
            "(min spacing 0.45 mm, squared, / 2^4); use 0 for the bound");
  EXPECT_EQ(errorOf([&] { runStage(findStage("min-max-curvature-flow"), in, {{"time-step", 0.02}}); }),
            "min-max-curvature-flow.time-step: 0.02 is above the stable bound 0.01265625 for this image "
            "(min spacing 0.45 mm, squared, / 2^4); use 0 for the bound");
  // At or below the bound is accepted.
  EXPECT_NO_THROW(
      runStage(findStage("curvature-anisotropic-diffusion"), in, {{"time-step", 0.028125}, {"iterations", 1L}}));
  EXPECT_NO_THROW(runStage(findStage("curvature-flow"), in, {{"time-step", 0.01}, {"iterations", 1L}}));
}

TEST(DenoiseStages, BadParametersAndInputsAreNamed) {
  const Phantom ct = makeBodyPhantom(testSpec(20));
  const StageInputs image{{"image", {ct.image, nullptr, nullptr}}};
  EXPECT_EQ(errorOf([&] { runStage(findStage("mean"), image, {{"radius", -1.0}}); }),
            "mean.radius: -1 is out of range [0.01, 50] mm");
  EXPECT_EQ(errorOf([&] { runStage(findStage("curvature-flow"), image, {{"iterations", 0L}}); }),
            "curvature-flow.iterations: 0 is out of range [1, 1000]");
  EXPECT_EQ(errorOf([&] { runStage(findStage("bilateral"), image, {{"range-sigma", 0.0}}); }),
            "bilateral.range-sigma: 0 is out of range [0.01, 10000] HU");
  EXPECT_EQ(errorOf([&] { runStage(findStage("curvature-anisotropic-diffusion"), image, {{"time-step", -0.1}}); }),
            "curvature-anisotropic-diffusion.time-step: -0.1 is out of range [0, 10]");
  EXPECT_EQ(errorOf([&] {
              runStage(findStage("patch-based-denoising"), image, {{"noise-model", std::string("gausian")}});
            }),
            "patch-based-denoising.noise-model: 'gausian' is not one of: gaussian, rician, poisson (did you mean "
            "'gaussian'?)");
  // CT has negative values, which ITK's Rician and Poisson models cannot take.
  EXPECT_EQ(errorOf([&] {
              runStage(findStage("patch-based-denoising"), image,
                       {{"noise-model", std::string("rician")}, {"implementation", std::string("itk")}});
            }),
            "patch-based-denoising.noise-model: rician needs non-negative intensities; the image's minimum is -1024");
  // The fast non-local means has neither noise models nor a fidelity term.
  EXPECT_EQ(errorOf([&] {
              runStage(findStage("patch-based-denoising"), image, {{"noise-model", std::string("rician")}});
            }),
            "patch-based-denoising.noise-model: rician needs implementation: itk (the fast non-local means assumes "
            "gaussian noise)");
  EXPECT_EQ(errorOf([&] { runStage(findStage("patch-based-denoising"), image, {{"fidelity-weight", 0.1}}); }),
            "patch-based-denoising.fidelity-weight: needs implementation: itk (the fast one has no fidelity term)");
  EXPECT_EQ(errorOf([&] { runStage(findStage("median"), {{"image", {nullptr, ct.labels, nullptr}}}, {}); }),
            "median: input 'image' must be image, got labels");
  EXPECT_EQ(errorOf([&] { runStage(findStage("bilateral"), {}, {}); }), "bilateral: needs input 'image' (image)");
}

TEST(DenoiseStages, RadiusInMillimetresBecomesWholeVoxelsPerAxis) {
  // On a single bright voxel a box mean spreads it over (2rx+1)(2ry+1)(2rz+1) voxels.
  auto image = ImageF::New();
  image->SetRegions(ImageF::SizeType{{9, 9, 9}});
  const double spacing[3] = {0.5, 1.0, 4.0};
  image->SetSpacing(spacing);
  image->Allocate(true);
  image->SetPixel({{4, 4, 4}}, 1000);
  // 1.2 mm: 2 voxels along x (0.5 mm), 1 along y (1 mm), at least 1 along z (4 mm) -> 5 x 3 x 3 = 45 voxels.
  const auto out = runStage(findStage("mean"), {{"image", {image, nullptr, nullptr}}}, {{"radius", 1.2}}).image;
  EXPECT_FLOAT_EQ(out->GetPixel({{4, 4, 4}}), 1000.0f / 45);
  EXPECT_FLOAT_EQ(out->GetPixel({{6, 5, 5}}), 1000.0f / 45);
  EXPECT_FLOAT_EQ(out->GetPixel({{7, 4, 4}}), 0.0f);
  EXPECT_FLOAT_EQ(out->GetPixel({{4, 6, 4}}), 0.0f);
  EXPECT_FLOAT_EQ(out->GetPixel({{4, 4, 6}}), 0.0f);
}

// Progress reaches the caller through ITK's ProgressEvent, and cancelling stops the stage.
TEST(DenoiseStages, ProgressIsReportedAndCancellationStopsTheStage) {
  const Phantom noisy = makeBodyPhantom(testSpec(100));
  const StageInputs in{{"image", {noisy.image, nullptr, nullptr}}};
  for (const std::string name : {"curvature-anisotropic-diffusion", "median", "patch-based-denoising"}) {
    std::vector<double> fractions;
    const Progress watch([&](double f, const std::string&) { fractions.push_back(f); });
    runStage(findStage(name), in, {}, watch);
    ASSERT_FALSE(fractions.empty()) << name;
    EXPECT_DOUBLE_EQ(fractions.back(), 1.0) << name;

    Progress* self = nullptr;
    Progress cancelling([&self](double, const std::string&) { self->cancel(); });  // cancels at the first report
    self = &cancelling;
    EXPECT_EQ(errorOf([&] { runStage(findStage(name), in, {}, cancelling); }), name + ": cancelled");
  }
}

}  // namespace medpipe
