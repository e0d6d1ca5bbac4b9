// multi-otsu-threshold: n intensity classes from the histogram (multi-level Otsu), e.g. air,
// lung and soft tissue on CT.
#include <itkOtsuMultipleThresholdsImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class MultiOtsuThresholdStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "multi-otsu-threshold", StageCategory::Segment,
        "Splits intensities into n classes by multi-level Otsu, labelled 0..n-1 from darkest",
        {{"image", DataKind::Image, "image to classify"}}, DataKind::Labels,
        {ParameterSpec::integer("classes", 3, 2, 6,
                                "number of classes n (n-1 thresholds); the search is exhaustive, so time grows as "
                                "bins^(n-1)"),
         ParameterSpec::integer("bins", 128, 4, 1024, "histogram bins between the image minimum and maximum")},
        "tissues:\n  stage: multi-otsu-threshold\n  input: ct\n  classes: 3\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto filter = itk::OtsuMultipleThresholdsImageFilter<ImageF, LabelImage>::New();
    filter->SetInput(in.at("image").image);
    filter->SetNumberOfThresholds(static_cast<unsigned>(p.integer("classes") - 1));
    filter->SetNumberOfHistogramBins(static_cast<unsigned>(p.integer("bins")));
    filter->SetLabelOffset(0);
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(multi_otsu_threshold, medpipe::MultiOtsuThresholdStage)
