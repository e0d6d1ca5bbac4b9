// otsu-threshold: one automatic threshold from the histogram (Otsu 1979), e.g. air and lung
// against soft tissue and bone on CT.
#include <itkOtsuThresholdImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class OtsuThresholdStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "otsu-threshold", StageCategory::Segment, "Labels 1 the voxels above Otsu's automatic threshold, 0 the rest",
        {{"image", DataKind::Image, "image to threshold"}}, DataKind::Labels,
        {ParameterSpec::integer("bins", 128, 2, 4096,
                                "histogram bins between the image minimum and maximum; the threshold is a bin edge")},
        "body:\n  stage: otsu-threshold\n  input: ct\n  bins: 128\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto filter = itk::OtsuThresholdImageFilter<ImageF, LabelImage>::New();
    filter->SetInput(in.at("image").image);
    filter->SetNumberOfHistogramBins(static_cast<unsigned>(p.integer("bins")));
    // ITK gives InsideValue to voxels at or below the threshold.
    filter->SetInsideValue(0);
    filter->SetOutsideValue(1);
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(otsu_threshold, medpipe::OtsuThresholdStage)
