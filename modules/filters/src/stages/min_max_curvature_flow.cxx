// min-max-curvature-flow: curvature flow that switches between shrinking and growing by the local
// average, so it removes noise but stops once only structures larger than the stencil remain.
#include <itkMinMaxCurvatureFlowImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/itk/FastCurvatureFlowImageFilter.h"
#include "medpipe/filters/stage.h"
#include "time_step.h"

namespace medpipe {
namespace {

class MinMaxCurvatureFlowStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "min-max-curvature-flow", StageCategory::Denoise, "Curvature flow that stops at structures larger than a stencil",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        {ParameterSpec::integer("iterations", 5, 1, 1000, "number of flow steps"), timeStepParameter(SpacingPower::Two),
         ParameterSpec::integer("stencil-radius", 1, 1, 10,
                                "radius in voxels of the neighbourhood whose average picks min or max flow; "
                                "features smaller than it are removed (1 suits voxel-scale noise and is fastest)"),
         ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                               "fast: medpipe's multithreaded filter (the same voxels as ITK's); "
                               "itk: itk::MinMaxCurvatureFlowImageFilter")},
        "smooth:\n  stage: min-max-curvature-flow\n  input: ct\n  iterations: 10\n  stencil-radius: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const double timeStep = checkedTimeStep(spec().name, p.number("time-step"), *image, SpacingPower::Two);
    if (p.choice("implementation") == "fast") {
      auto fast = FastCurvatureFlowImageFilter::New();
      fast->SetInput(image);
      fast->SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
      fast->SetTimeStep(timeStep);
      fast->SetStencilRadius(static_cast<unsigned>(p.integer("stencil-radius")));
      return {runFilter(*fast, progress, spec().name), nullptr, nullptr};
    }
    auto filter = itk::MinMaxCurvatureFlowImageFilter<ImageF, ImageF>::New();
    filter->SetInput(image);
    filter->SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
    filter->SetTimeStep(timeStep);
    makeCancellable<itk::MinMaxCurvatureFlowFunction<ImageF>>(*filter, progress);
    filter->SetStencilRadius(static_cast<unsigned>(p.integer("stencil-radius")));
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(min_max_curvature_flow, medpipe::MinMaxCurvatureFlowStage)
