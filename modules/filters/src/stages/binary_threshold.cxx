// binary-threshold: a fixed intensity window, e.g. bone at 300..3000 HU on CT.
#include <itkBinaryThresholdImageFilter.h>

#include <limits>

#include "itk_stage_support.h"
#include "intensity_window.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class BinaryThresholdStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "binary-threshold", StageCategory::Segment, "Labels the voxels whose value lies in [lower, upper]",
        {{"image", DataKind::Image, "image to threshold (HU for CT)"}}, DataKind::Labels,
        {windowBound("lower", 300, "lowest value inside (inclusive)"),
         windowBound("upper", 3000, "highest value inside (inclusive)"),
         ParameterSpec::integer("inside-value", 1, 1, 255,
                                "label given to voxels inside the window; all others get 0")},
        "bone:\n  stage: binary-threshold\n  input: ct\n  lower: 300\n  upper: 3000\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto [lower, upper] = checkedWindow(spec().name, p);
    auto filter = itk::BinaryThresholdImageFilter<ImageF, LabelImage>::New();
    filter->SetInput(in.at("image").image);
    filter->SetLowerThreshold(static_cast<float>(lower));
    filter->SetUpperThreshold(static_cast<float>(upper));
    filter->SetInsideValue(static_cast<LabelImage::PixelType>(p.integer("inside-value")));
    filter->SetOutsideValue(0);
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(binary_threshold, medpipe::BinaryThresholdStage)
