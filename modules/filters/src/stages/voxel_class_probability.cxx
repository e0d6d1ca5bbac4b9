// voxel-class-probability: the probability map of one class of a model trained by `medpipe
// train-classifier` (the fraction of the forest's trees voting for it), beside classify-voxels.
#include "medpipe/filters/stage.h"
#include "trained_classifier.h"

namespace medpipe {
namespace {

class VoxelClassProbabilityStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "voxel-class-probability", StageCategory::Segment,
        "Probability (0..1) of one class of a model trained from painted voxels (medpipe train-classifier)",
        trained::channelInputs(), DataKind::Image,
        {trained::modelParameter(),
         ParameterSpec::integer("class", 1, 1, 255, "the label value of the class, as painted in the scribbles")},
        "body-probability:\n  stage: voxel-class-probability\n  input: ct\n  model: ct-tissues.model\n  class: 2\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto prepared = trained::prepare(in, p, spec().name);
    const auto& classes = prepared.model.classes;
    const long wanted = p.integer("class");
    size_t index = classes.size();
    std::string known;
    for (size_t k = 0; k < classes.size(); ++k) {
      if (classes[k].label == wanted) index = k;
      known += (k ? ", " : "") + std::to_string(classes[k].label);
    }
    if (index == classes.size())
      throw Error(p.text("model"), spec().name + ".class",
                  "the model has no class " + std::to_string(wanted) + " (its classes: " + known + ")");
    const auto& image = *in.at("image").image;
    auto map = ImageF::New();
    map->CopyInformation(&image);
    map->SetRegions(image.GetLargestPossibleRegion());
    map->Allocate();
    ml::Classification out;  // no labels: a volume of them would be a quarter of a float volume more
    out.probabilities.assign(classes.size(), nullptr);
    out.probabilities[index] = map->GetBufferPointer();
    ml::classify(prepared.model, prepared.volume, prepared.mask, workerThreadCount(), out, progress);
    return {map, nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(voxel_class_probability, medpipe::VoxelClassProbabilityStage)
