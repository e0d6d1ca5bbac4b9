// gradient-anisotropic-diffusion: smooths within regions and stops at edges (Perona-Malik
// conductance); the time step defaults to the stable bound for the image's spacing.
#include <itkGradientAnisotropicDiffusionImageFilter.h>

#include "anisotropic_diffusion.h"
#include "medpipe/filters/itk/FastGradientAnisotropicDiffusionImageFilter.h"

namespace medpipe {
namespace {

class GradientAnisotropicDiffusionStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "gradient-anisotropic-diffusion", StageCategory::Denoise, "Edge-preserving smoothing by Perona-Malik gradient diffusion",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        anisotropicDiffusionParameters("GradientAnisotropicDiffusionImageFilter", "10x"),
        "smooth:\n  stage: gradient-anisotropic-diffusion\n  input: ct\n  iterations: 5\n  conductance: 1.0\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const double timeStep = checkedTimeStep(spec().name, p.number("time-step"), *image, SpacingPower::One);
    if (p.choice("implementation") == "fast") {
      auto fast = FastGradientAnisotropicDiffusionImageFilter::New();
      return {runDiffusion(*fast, image, p, timeStep, progress, spec().name), nullptr, nullptr};
    }
    auto filter = itk::GradientAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
    makeCancellable<itk::GradientNDAnisotropicDiffusionFunction<ImageF>>(*filter, progress);
    return {runDiffusion(*filter, image, p, timeStep, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(gradient_anisotropic_diffusion, medpipe::GradientAnisotropicDiffusionStage)
