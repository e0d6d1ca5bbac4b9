// window: a display window (center/width in HU, as on a CT console) mapped linearly onto
// [output-min, output-max], 0..255 by default; values outside the window saturate.
#include <itkIntensityWindowingImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class WindowStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "window", StageCategory::Utility, "Intensity window (center/width) mapped to [output-min, output-max], saturating outside",
        {{"image", DataKind::Image, "image to window"}}, DataKind::Image,
        {ParameterSpec::number("center", 40.0, -1e9, 1e9, "HU", "window center (level); 40 is a soft-tissue window"),
         ParameterSpec::number("width", 400.0, 0.001, 1e9, "HU",
                               "window width: center - width/2 maps to output-min, center + width/2 to output-max"),
         ParameterSpec::number("output-min", 0.0, -1e9, 1e9, "", "output value at and below the window"),
         ParameterSpec::number("output-max", 255.0, -1e9, 1e9, "", "output value at and above the window")},
        "lung-window:\n  stage: window\n  input: ct\n  center: -600\n  width: 1500\n  output-max: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const double center = p.number("center"), width = p.number("width");
    const double outMin = p.number("output-min"), outMax = p.number("output-max");
    if (outMax <= outMin)
      throw Error("", spec().name + ".output-max",
                  formatParameterValue(outMax) + " is not above output-min (" + formatParameterValue(outMin) + ")");
    auto filter = itk::IntensityWindowingImageFilter<ImageF, ImageF>::New();
    filter->SetInput(in.at("image").image);
    filter->SetWindowMinimum(static_cast<float>(center - width / 2));
    filter->SetWindowMaximum(static_cast<float>(center + width / 2));
    filter->SetOutputMinimum(static_cast<float>(outMin));
    filter->SetOutputMaximum(static_cast<float>(outMax));
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(window, medpipe::WindowStage)
