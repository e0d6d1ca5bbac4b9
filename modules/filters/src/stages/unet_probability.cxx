// unet-probability: the probability map of one label of a trained network (unet-segment's inference,
// the softmax or sigmoid output before the argmax), on the input's grid.
#include "medpipe/filters/stage.h"
#include "unet_inference.h"

namespace medpipe {
namespace {

class UnetProbabilityStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec = [] {
      auto parameters = unetParameters();
      parameters.push_back(ParameterSpec::integer("label", 1, 1, 255, "the label (a value in the model card) whose probability is output"));
      return StageSpec{"unet-probability", StageCategory::Segment,
                       "Probability map (0 .. 1) of one label of a trained network, by sliding-window inference",
                       {{"image", DataKind::Image, "image the model was trained for"}},
                       DataKind::Image,
                       parameters,
                       "lung-probability:\n  stage: unet-probability\n  input: ct\n  model: testdata/unet-phantom\n  label: 2\n"};
    }();
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    return {runUnet(*in.at("image").image, p, progress, spec().name, int(p.integer("label"))).probability, nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(unet_probability, medpipe::UnetProbabilityStage)
