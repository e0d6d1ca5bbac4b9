// resample-labels: a label map onto a new voxel spacing in mm, covering the same box as
// `resample` does, always by nearest neighbour so no label is invented between two others.
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "resample_grid.h"

namespace medpipe {
namespace {

class ResampleLabelsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "resample-labels", StageCategory::Utility, "Resamples a label map to a new voxel spacing in mm (nearest neighbour)",
        {{"labels", DataKind::Labels, "label map to resample"}}, DataKind::Labels,
        spacingParameters(),
        "iso-labels:\n  stage: resample-labels\n  input: organs\n  spacing-x: 1\n  spacing-y: 1\n  spacing-z: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto filter = itk::ResampleImageFilter<LabelImage, LabelImage>::New();
    resampleOntoNewSpacing(*filter, in.at("labels").labels.GetPointer(), p);
    filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<LabelImage, double>::New());
    filter->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<LabelImage, double>::New());
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(resample_labels, medpipe::ResampleLabelsStage)
