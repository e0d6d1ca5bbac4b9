// curvature-anisotropic-diffusion: smooths within regions and stops at edges (modified curvature
// diffusion); the time step defaults to the stable bound for the image's spacing.
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>

#include "anisotropic_diffusion.h"
#include "medpipe/filters/itk/FastCurvatureAnisotropicDiffusionImageFilter.h"

namespace medpipe {
namespace {

class CurvatureAnisotropicDiffusionStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "curvature-anisotropic-diffusion", StageCategory::Denoise, "Edge-preserving smoothing by modified curvature diffusion",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        anisotropicDiffusionParameters("CurvatureAnisotropicDiffusionImageFilter", "8x"),
        "smooth:\n  stage: curvature-anisotropic-diffusion\n  input: ct\n  iterations: 5\n  conductance: 1.0\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const double timeStep = checkedTimeStep(spec().name, p.number("time-step"), *image, SpacingPower::One);
    if (p.choice("implementation") == "fast") {
      auto fast = FastCurvatureAnisotropicDiffusionImageFilter::New();
      return {runDiffusion(*fast, image, p, timeStep, progress, spec().name), nullptr, nullptr};
    }
    // ITK's curvature filter warns of instability above 0.0625 whatever the spacing. Its update scales
    // with 1/spacing, so spacing / m with time step / m is the same computation: run at unit min spacing.
    const double scale = minSpacing(*image);
    auto unitSpacing = ImageF::New();
    unitSpacing->CopyInformation(image);
    unitSpacing->SetRegions(image->GetLargestPossibleRegion());
    unitSpacing->SetPixelContainer(image->GetPixelContainer());  // shares the voxels, no copy
    unitSpacing->SetSpacing(image->GetSpacing() / scale);

    auto filter = itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
    makeCancellable<itk::CurvatureNDAnisotropicDiffusionFunction<ImageF>>(*filter, progress);
    const ImageF::Pointer output = runDiffusion(*filter, unitSpacing, p, timeStep / scale, progress, spec().name);
    output->SetSpacing(image->GetSpacing());
    return {output, nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(curvature_anisotropic_diffusion, medpipe::CurvatureAnisotropicDiffusionStage)
