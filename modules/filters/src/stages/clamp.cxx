// clamp: limits intensities to [lower, upper] HU, e.g. to cut metal streaks or padding values
// before statistics.
#include <itkClampImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class ClampStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "clamp", StageCategory::Utility, "Limits intensities to [lower, upper]",
        {{"image", DataKind::Image, "image to clamp"}}, DataKind::Image,
        {ParameterSpec::number("lower", -1024.0, -1e9, 1e9, "HU", "values below become this"),
         ParameterSpec::number("upper", 3071.0, -1e9, 1e9, "HU", "values above become this; at least `lower`")},
        "limit:\n  stage: clamp\n  input: ct\n  lower: -1000\n  upper: 2000\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const double lower = p.number("lower"), upper = p.number("upper");
    if (upper < lower)
      throw Error("", spec().name + ".upper",
                  formatParameterValue(upper) + " is below lower (" + formatParameterValue(lower) + ")");
    auto filter = itk::ClampImageFilter<ImageF, ImageF>::New();
    filter->SetInput(in.at("image").image);
    filter->SetBounds(static_cast<float>(lower), static_cast<float>(upper));
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(clamp, medpipe::ClampStage)
