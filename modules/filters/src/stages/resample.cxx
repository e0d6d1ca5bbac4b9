// resample: an image onto a new voxel spacing in mm, covering the same box; linear or B-spline
// interpolation (nearest for values that must not mix). Label maps use `resample-labels`.
#include <itkBSplineInterpolateImageFunction.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "resample_grid.h"

namespace medpipe {
namespace {

std::vector<ParameterSpec> withSpacing(ParameterSpec interpolation) {
  auto parameters = spacingParameters();
  parameters.push_back(std::move(interpolation));
  return parameters;
}

class ResampleStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "resample", StageCategory::Utility, "Resamples an image to a new voxel spacing in mm",
        {{"image", DataKind::Image, "image to resample"}}, DataKind::Image,
        withSpacing(ParameterSpec::choice("interpolation", "linear", {"linear", "bspline", "nearest"},
                                          "linear; bspline (cubic: sharper, may overshoot at edges); nearest (no new values)")),
        "iso:\n  stage: resample\n  input: ct\n  spacing-x: 1\n  spacing-y: 1\n  spacing-z: 1\n"
        "  interpolation: bspline\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto filter = itk::ResampleImageFilter<ImageF, ImageF>::New();
    resampleOntoNewSpacing(*filter, in.at("image").image.GetPointer(), p);
    const std::string& interpolation = p.choice("interpolation");
    if (interpolation == "bspline")
      filter->SetInterpolator(itk::BSplineInterpolateImageFunction<ImageF, double>::New());
    else if (interpolation == "nearest")
      filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ImageF, double>::New());
    else filter->SetInterpolator(itk::LinearInterpolateImageFunction<ImageF, double>::New());
    // Voxel centres on the box's rim can fall a rounding error outside the input: repeat the edge, not 0.
    filter->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<ImageF, double>::New());
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(resample, medpipe::ResampleStage)
