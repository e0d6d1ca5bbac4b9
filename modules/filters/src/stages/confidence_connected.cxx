// confidence-connected: region growing whose window is learnt from the seeds (mean ± multiplier ×
// std, re-estimated from the region each iteration), so no thresholds have to be known.
#include "confidence_connected_region.h"
#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

ParameterSpec inVoxels(ParameterSpec p) {
  p.unit = "voxels";
  return p;
}

class ConfidenceConnectedStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "confidence-connected", StageCategory::Segment,
        "Grows label 1 from seeds through voxels within mean ± multiplier × std of the region",
        {{"image", DataKind::Image, "image to segment"}}, DataKind::Labels,
        {ParameterSpec::points("seeds", "start points, mm (LPS) or voxel:i,j,k"),
         ParameterSpec::number("multiplier", 2.5, 0, 100, "", "width of the window in standard deviations"),
         ParameterSpec::integer("iterations", 4, 0, 100,
                                "times the mean and std are re-estimated from the grown region (0 = seeds only)"),
         inVoxels(ParameterSpec::integer("initial-radius", 1, 0, 20,
                                         "half-size of the box around each seed that gives the first mean and std"))},
        "lungs:\n  stage: confidence-connected\n  input: ct\n"
        "  seeds: [[-38, -2, 0], [38, -2, 0]]\n  multiplier: 2.5\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    // ITK's filter, voxel for voxel, but cancellable within each of its floods.
    const ImageF& image = *in.at("image").image;
    ConfidenceConnectedSettings settings;
    settings.multiplier = p.number("multiplier");
    settings.iterations = static_cast<unsigned>(p.integer("iterations"));
    settings.initialRadius = static_cast<unsigned>(p.integer("initial-radius"));
    const auto seeds = seedIndices(p.points("seeds"), image, spec().name + ".seeds");
    const LabelImage::Pointer labels = confidenceConnectedRegion(image, seeds, settings, progress);
    progress.report(1.0, spec().name);
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(confidence_connected, medpipe::ConfidenceConnectedStage)
