// classify-voxels: applies a voxel classifier trained by `medpipe train-classifier` from painted
// voxels (ilastik's pixel classification, c3d's -rf-apply), slab by slab on every core.
#include "medpipe/filters/stage.h"
#include "trained_classifier.h"

namespace medpipe {
namespace {

class ClassifyVoxelsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "classify-voxels", StageCategory::Segment,
        "Labels every voxel with a random-forest model trained from painted voxels (medpipe train-classifier)",
        trained::channelInputs(), DataKind::Labels,
        {trained::modelParameter()},
        "tissues:\n  stage: classify-voxels\n  input: ct\n  model: ct-tissues.model\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto prepared = trained::prepare(in, p, spec().name);
    const auto& image = *in.at("image").image;
    auto labels = LabelImage::New();
    labels->CopyInformation(&image);
    labels->SetRegions(image.GetLargestPossibleRegion());
    labels->Allocate();
    ml::Classification out;
    out.labels = labels->GetBufferPointer();
    ml::classify(prepared.model, prepared.volume, prepared.mask, workerThreadCount(), out, progress);
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(classify_voxels, medpipe::ClassifyVoxelsStage)
