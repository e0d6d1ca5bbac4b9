// resample: an image onto a new voxel spacing in mm, covering the same box; linear or B-spline
// interpolation (nearest for values that must not mix). Label maps use `resample-labels`.
#include <itkBSplineInterpolateImageFunction.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class ResampleStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "resample", "utility", "Resamples an image to a new voxel spacing in mm",
        {{"image", DataKind::Image, "image to resample"}}, DataKind::Image,
        {ParameterSpec::number("spacing-x", 1.0, 0.01, 100.0, "mm", "new spacing along the image's first axis"),
         ParameterSpec::number("spacing-y", 1.0, 0.01, 100.0, "mm", "new spacing along the second axis"),
         ParameterSpec::number("spacing-z", 1.0, 0.01, 100.0, "mm", "new spacing along the third (slice) axis"),
         ParameterSpec::choice("interpolation", "linear", {"linear", "bspline", "nearest"},
                               "linear; bspline (cubic: sharper, may overshoot at edges); nearest (no new values)")},
        "iso:\n  stage: resample\n  input: ct\n  spacing-x: 1\n  spacing-y: 1\n  spacing-z: 1\n"
        "  interpolation: bspline\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    ImageF::SpacingType spacing;
    spacing[0] = p.number("spacing-x"), spacing[1] = p.number("spacing-y"), spacing[2] = p.number("spacing-z");
    const ResampledGrid grid = resampledGrid(*image, spacing);

    auto filter = itk::ResampleImageFilter<ImageF, ImageF>::New();
    filter->SetInput(image);
    filter->SetSize(grid.size);
    filter->SetOutputSpacing(grid.spacing);
    filter->SetOutputOrigin(grid.origin);
    filter->SetOutputDirection(grid.direction);
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
