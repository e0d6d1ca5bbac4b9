// rescale-intensity: maps the image's own minimum..maximum linearly onto [output-min, output-max]
// (0..255 by default, as `window`), e.g. before a method that expects a fixed range.
#include <itkRescaleIntensityImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class RescaleIntensityStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "rescale-intensity", StageCategory::Utility, "Maps the image's min..max linearly onto [output-min, output-max]",
        {{"image", DataKind::Image, "image to rescale"}}, DataKind::Image,
        {ParameterSpec::number("output-min", 0.0, -1e9, 1e9, "", "value the image's minimum becomes"),
         ParameterSpec::number("output-max", 255.0, -1e9, 1e9, "", "value the image's maximum becomes")},
        "normalise:\n  stage: rescale-intensity\n  input: mr\n  output-min: 0\n  output-max: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const double outMin = p.number("output-min"), outMax = p.number("output-max");
    if (outMax <= outMin)
      throw Error("", spec().name + ".output-max",
                  formatParameterValue(outMax) + " is not above output-min (" + formatParameterValue(outMin) + ")");
    auto filter = itk::RescaleIntensityImageFilter<ImageF, ImageF>::New();
    filter->SetInput(in.at("image").image);
    filter->SetOutputMinimum(static_cast<float>(outMin));
    filter->SetOutputMaximum(static_cast<float>(outMax));
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(rescale_intensity, medpipe::RescaleIntensityStage)
