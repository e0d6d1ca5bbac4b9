// unet-segment: a trained network's label map (medpipe's U-Net or foreign TorchScript, with a model
// card), by sliding-window inference as MONAI or nnU-Net run it. See docs/deep-learning.md.
#include "medpipe/filters/stage.h"
#include "unet_inference.h"

namespace medpipe {
namespace {

class UnetSegmentStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "unet-segment", StageCategory::Segment,
        "Segments with a trained network (model card + weights or TorchScript) by sliding-window inference",
        {{"image", DataKind::Image, "image the model was trained for (its card says spacing and normalisation)"}},
        DataKind::Labels,
        unetParameters(),
        "segmented:\n  stage: unet-segment\n  input: ct\n  model: testdata/unet-phantom\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    return {nullptr, runUnet(*in.at("image").image, p, progress, spec().name).labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(unet_segment, medpipe::UnetSegmentStage)
