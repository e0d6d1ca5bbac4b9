// gaussian: recursive Gaussian smoothing with sigma in millimetres (ITK measures sigma in
// physical units, so anisotropic voxels are smoothed evenly in space).
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class GaussianStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "gaussian", StageCategory::Denoise, "Gaussian smoothing (recursive filter) with sigma in mm",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        {ParameterSpec::number("sigma", 1.0, 0.01, 100.0, "mm", "standard deviation of the Gaussian")},
        "smooth:\n  stage: gaussian\n  input: ct\n  sigma: 1.5\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto filter = itk::SmoothingRecursiveGaussianImageFilter<ImageF, ImageF>::New();
    filter->SetInput(in.at("image").image);
    filter->SetSigma(p.number("sigma"));
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(gaussian, medpipe::GaussianStage)
