// fill-holes: fills cavities of a label that do not connect to the image border, e.g. vessels
// inside a lung mask or the marrow inside a bone threshold.
#include <itkBinaryFillholeImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class FillHolesStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "fill-holes", StageCategory::Segment, "Fills the cavities of a label that do not reach the image border",
        {{"labels", DataKind::Labels, "label map or mask"}}, DataKind::Labels,
        {ParameterSpec::integer("foreground-value", 1, 1, 255,
                                "the label whose holes are filled; enclosed voxels of any other value take it"),
         ParameterSpec::flag("fully-connected", false,
                             "the outside reaches in through edges and corners too: a cavity open only at a corner "
                             "is not filled")},
        "filled:\n  stage: fill-holes\n  input: mask\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto filter = itk::BinaryFillholeImageFilter<LabelImage>::New();
    filter->SetInput(in.at("labels").labels);
    filter->SetForegroundValue(static_cast<LabelImage::PixelType>(p.integer("foreground-value")));
    filter->SetFullyConnected(p.flag("fully-connected"));
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(fill_holes, medpipe::FillHolesStage)
