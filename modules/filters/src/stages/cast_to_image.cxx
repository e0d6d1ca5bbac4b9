// cast-to-image: a label map as a float image, e.g. to smooth it or to feed an image stage.
#include <algorithm>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class CastToImageStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{"cast-to-image", StageCategory::Utility, "Turns a label map into an image of its label numbers",
                                {{"labels", DataKind::Labels, "label map"}}, DataKind::Image,
                                {},
                                "mask-as-image:\n  stage: cast-to-image\n  input: mask\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues&, const Progress& progress) const override {
    const LabelImage& labels = *in.at("labels").labels;
    auto image = ImageF::New();
    image->CopyInformation(&labels);
    image->SetRegions(labels.GetBufferedRegion());
    image->Allocate();
    std::copy(labels.GetBufferPointer(), labels.GetBufferPointer() + labels.GetPixelContainer()->Size(),
              image->GetBufferPointer());
    progress.report(1.0, spec().name);
    return {image, nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(cast_to_image, medpipe::CastToImageStage)
