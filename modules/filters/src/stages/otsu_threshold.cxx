// otsu-threshold: one automatic threshold from the histogram (Otsu 1979), e.g. air and lung
// against soft tissue and bone on CT.
#include <limits>

#include "medpipe/filters/otsu_thresholds.h"
#include "medpipe/filters/stage.h"
#include "voxel_passes.h"

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
    // ITK's Otsu filter, voxel for voxel, but cancellable while it builds its histogram.
    const ImageF& image = *in.at("image").image;
    const float threshold = otsuThreshold(image, static_cast<unsigned>(p.integer("bins")), progress);
    progress.report(0.5, spec().name);
    // As ITK's binary threshold from the lowest float up to the threshold (NaN and -inf fall outside).
    constexpr float lowest = std::numeric_limits<float>::lowest();
    auto labels = labelEachVoxel(image, progress, [threshold](float v) -> LabelImage::PixelType {
      return lowest <= v && v <= threshold ? 0 : 1;
    });
    progress.report(1.0, spec().name);
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(otsu_threshold, medpipe::OtsuThresholdStage)
