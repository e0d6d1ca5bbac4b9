// mean: box-average smoothing; the radius is given in mm and turned into whole voxels per axis, so
// anisotropic voxels are averaged over a neighbourhood of even physical extent.
#include <itkMeanImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class MeanStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "mean", StageCategory::Denoise, "Mean (box average) of a neighbourhood with radius in mm",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        {ParameterSpec::number("radius", 1.0, 0.01, 50.0, "mm",
                               "half-width of the box; rounded per axis to whole voxels, at least 1")},
        "smooth:\n  stage: mean\n  input: ct\n  radius: 1.5\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    auto filter = itk::MeanImageFilter<ImageF, ImageF>::New();
    filter->SetInput(image);
    filter->SetRadius(radiusInVoxels(*image, p.number("radius")));
    // ITK checks for a cancel once per 1% of the volume, seconds apart with a large radius on a CT.
    return {runFilterInPieces(*filter, progress, spec().name, 262144), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(mean, medpipe::MeanStage)
