// resample-labels: a label map onto a new voxel spacing in mm, covering the same box as
// `resample` does, always by nearest neighbour so no label is invented between two others.
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class ResampleLabelsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "resample-labels", "utility", "Resamples a label map to a new voxel spacing in mm (nearest neighbour)",
        {{"labels", DataKind::Labels, "label map to resample"}}, DataKind::Labels,
        {ParameterSpec::number("spacing-x", 1.0, 0.01, 100.0, "mm", "new spacing along the image's first axis"),
         ParameterSpec::number("spacing-y", 1.0, 0.01, 100.0, "mm", "new spacing along the second axis"),
         ParameterSpec::number("spacing-z", 1.0, 0.01, 100.0, "mm", "new spacing along the third (slice) axis")},
        "iso-labels:\n  stage: resample-labels\n  input: organs\n  spacing-x: 1\n  spacing-y: 1\n  spacing-z: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& labels = in.at("labels").labels;
    ImageF::SpacingType spacing;
    spacing[0] = p.number("spacing-x"), spacing[1] = p.number("spacing-y"), spacing[2] = p.number("spacing-z");
    const ResampledGrid grid = resampledGrid(*labels, spacing);

    auto filter = itk::ResampleImageFilter<LabelImage, LabelImage>::New();
    filter->SetInput(labels);
    filter->SetSize(grid.size);
    filter->SetOutputSpacing(grid.spacing);
    filter->SetOutputOrigin(grid.origin);
    filter->SetOutputDirection(grid.direction);
    filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<LabelImage, double>::New());
    filter->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<LabelImage, double>::New());
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(resample_labels, medpipe::ResampleLabelsStage)
