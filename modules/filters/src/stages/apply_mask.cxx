// apply-mask: keeps the image where the mask is non-zero and sets every other voxel to
// `outside-value` (-1024 HU, air, by default).
#include <itkMaskImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class ApplyMaskStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "apply-mask", StageCategory::Utility, "Keeps the image inside a mask, sets the rest to a constant",
        {{"image", DataKind::Image, "image to mask"},
         {"mask", DataKind::Labels, "non-zero = keep; must be on the image's voxel grid"}},
        DataKind::Image,
        {ParameterSpec::number("outside-value", -1024.0, -1e9, 1e9, "HU", "value of voxels where the mask is 0")},
        "body-only:\n  stage: apply-mask\n  input: {image: ct, mask: body}\n  outside-value: -1024\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const auto& mask = in.at("mask").labels;
    requireSameGrid(*image, *mask, spec().name, "mask");
    auto filter = itk::MaskImageFilter<ImageF, LabelImage, ImageF>::New();
    filter->SetInput(image);
    filter->SetMaskImage(mask);
    filter->SetOutsideValue(static_cast<float>(p.number("outside-value")));
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(apply_mask, medpipe::ApplyMaskStage)
