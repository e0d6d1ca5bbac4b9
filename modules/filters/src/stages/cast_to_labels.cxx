// cast-to-labels: an image whose values are label numbers (a label map read as an image, a
// classification) becomes a label map; values are rounded and must fit 0..255.
#include <cmath>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class CastToLabelsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "cast-to-labels", StageCategory::Utility, "Turns an image of label numbers into a label map (rounded, 0..255)",
        {{"image", DataKind::Image, "image whose voxel values are label numbers"}}, DataKind::Labels,
        {},
        "organs:\n  stage: cast-to-labels\n  input: atlas\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues&, const Progress& progress) const override {
    const ImageF& image = *in.at("image").image;
    auto labels = LabelImage::New();
    labels->CopyInformation(&image);
    labels->SetRegions(image.GetBufferedRegion());
    labels->Allocate();
    const float* src = image.GetBufferPointer();
    std::uint8_t* dst = labels->GetBufferPointer();
    const size_t n = image.GetPixelContainer()->Size();
    for (size_t i = 0; i < n; ++i) {
      const double v = std::nearbyint(src[i]);
      if (!(v >= 0 && v <= 255))
        throw Error("", spec().name, "voxel value " + formatParameterValue(double(src[i])) + " is not a label number 0..255");
      dst[i] = static_cast<std::uint8_t>(v);
    }
    progress.report(1.0, spec().name);
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(cast_to_labels, medpipe::CastToLabelsStage)
