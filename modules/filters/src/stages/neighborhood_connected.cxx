// neighborhood-connected: region growing that admits a voxel only when its whole neighbourhood
// lies inside the window, so the region cannot leak through thin gaps or single noisy voxels.
#include <itkNeighborhoodConnectedImageFilter.h>

#include <limits>

#include "itk_stage_support.h"
#include "intensity_window.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

ParameterSpec inVoxels(ParameterSpec p) {
  p.unit = "voxels";
  return p;
}

class NeighborhoodConnectedStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "neighborhood-connected", StageCategory::Segment,
        "Grows label 1 from seeds through voxels whose whole neighbourhood lies in [lower, upper]",
        {{"image", DataKind::Image, "image to segment"}}, DataKind::Labels,
        {ParameterSpec::points("seeds", "start points, mm (LPS) or voxel:i,j,k"),
         windowBound("lower", -950, "lowest value inside (inclusive)"),
         windowBound("upper", -400, "highest value inside (inclusive)"),
         inVoxels(ParameterSpec::integer("radius", 1, 0, 20,
                                         "half-size of the neighbourhood box on every axis; the region ends this "
                                         "many voxels short of its boundary"))},
        "lungs:\n  stage: neighborhood-connected\n  input: ct\n  seeds: [[-38, -2, 0], [38, -2, 0]]\n  radius: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto [lower, upper] = checkedWindow(spec().name, p);
    const ImageF::Pointer& image = in.at("image").image;
    auto filter = itk::NeighborhoodConnectedImageFilter<ImageF, LabelImage>::New();
    filter->SetInput(image);
    for (const auto& seed : seedIndices(p.points("seeds"), *image, spec().name + ".seeds")) filter->AddSeed(seed);
    filter->SetLower(static_cast<float>(lower));
    filter->SetUpper(static_cast<float>(upper));
    ImageF::SizeType radius;
    radius.Fill(static_cast<itk::SizeValueType>(p.integer("radius")));
    filter->SetRadius(radius);
    filter->SetReplaceValue(1);
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(neighborhood_connected, medpipe::NeighborhoodConnectedStage)
