// connected-threshold: region growing from seeds through voxels inside an intensity window, e.g.
// each lung from one seed without the air around the body.
#include <itkConnectedThresholdImageFilter.h>

#include <limits>

#include "itk_stage_support.h"
#include "intensity_window.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class ConnectedThresholdStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "connected-threshold", StageCategory::Segment, "Grows label 1 from seeds through voxels whose value lies in [lower, upper]",
        {{"image", DataKind::Image, "image to segment"}}, DataKind::Labels,
        {ParameterSpec::points("seeds", "start points, mm (LPS) or voxel:i,j,k; each must lie inside the window"),
         windowBound("lower", -950, "lowest value inside (inclusive)"),
         windowBound("upper", -400, "highest value inside (inclusive)"),
         ParameterSpec::flag("fully-connected", false,
                             "grow through edges and corners too, not only through faces")},
        "lungs:\n  stage: connected-threshold\n  input: ct\n"
        "  seeds: [[-38, -2, 0], [38, -2, 0]]\n  lower: -950\n  upper: -400\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto [lower, upper] = checkedWindow(spec().name, p);
    const ImageF::Pointer& image = in.at("image").image;
    using Filter = itk::ConnectedThresholdImageFilter<ImageF, LabelImage>;
    auto filter = Filter::New();
    filter->SetInput(image);
    for (const auto& seed : seedIndices(p.points("seeds"), *image, spec().name + ".seeds")) filter->AddSeed(seed);
    filter->SetLower(static_cast<float>(lower));
    filter->SetUpper(static_cast<float>(upper));
    filter->SetReplaceValue(1);
    filter->SetConnectivity(p.flag("fully-connected") ? Filter::ConnectivityEnum::FullConnectivity
                                                      : Filter::ConnectivityEnum::FaceConnectivity);
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(connected_threshold, medpipe::ConnectedThresholdStage)
