// multi-otsu-threshold: n intensity classes from the histogram (multi-level Otsu), e.g. air,
// lung and soft tissue on CT.
#include <vector>

#include "medpipe/filters/otsu_thresholds.h"
#include "medpipe/filters/stage.h"
#include "voxel_passes.h"

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
    // ITK's multi-level Otsu filter, voxel for voxel, but cancellable while it builds its histogram.
    const ImageF& image = *in.at("image").image;
    const std::vector<double> thresholds = multiOtsuThresholds(image, static_cast<unsigned>(p.integer("classes") - 1),
                                                               static_cast<unsigned>(p.integer("bins")), progress);
    progress.report(0.5, spec().name);
    // As ITK's ThresholdLabelerImageFilter: class i holds (threshold i-1, threshold i]; NaN the last.
    auto labels = labelEachVoxel(image, progress, [&thresholds](float v) -> LabelImage::PixelType {
      if (v <= thresholds[0]) return 0;
      for (size_t i = 0; i + 1 < thresholds.size(); ++i)
        if (thresholds[i] < v && v <= thresholds[i + 1]) return LabelImage::PixelType(i + 1);
      return LabelImage::PixelType(thresholds.size());
    });
    progress.report(1.0, spec().name);
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(multi_otsu_threshold, medpipe::MultiOtsuThresholdStage)
