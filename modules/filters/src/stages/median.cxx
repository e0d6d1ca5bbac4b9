// median: median of a neighbourhood, which removes impulse noise while keeping step edges; the
// radius is given in mm and turned into whole voxels per axis, as for `mean`.
#include <itkMedianImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/itk/FastMedianImageFilter.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class MedianStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "median", StageCategory::Denoise, "Median of a neighbourhood with radius in mm",
        {{"image", DataKind::Image, "image to filter"}}, DataKind::Image,
        {ParameterSpec::number("radius", 1.0, 0.01, 50.0, "mm",
                               "half-width of the neighbourhood; rounded per axis to whole voxels, at least 1"),
         ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                               "fast: medpipe's vectorised multithreaded filter (the same voxels as ITK's); "
                               "itk: itk::MedianImageFilter")},
        "smooth:\n  stage: median\n  input: ct\n  radius: 1.0\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const auto radius = radiusInVoxels(*image, p.number("radius"));
    if (p.choice("implementation") == "fast") {
      auto fast = FastMedianImageFilter::New();
      fast->SetInput(image);
      fast->SetRadius(radius);
      return {runFilter(*fast, progress, spec().name), nullptr, nullptr};
    }
    auto filter = itk::MedianImageFilter<ImageF, ImageF>::New();
    filter->SetInput(image);
    filter->SetRadius(radius);
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(median, medpipe::MedianStage)
