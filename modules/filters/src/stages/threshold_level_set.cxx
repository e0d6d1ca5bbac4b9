// threshold-level-set: a seeded level set that grows through an intensity window and stops at its
// edges, with curvature keeping the surface smooth where a plain threshold would be ragged.
#include <itkImageRegionIteratorWithIndex.h>
#include <itkThresholdSegmentationLevelSetImageFilter.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "itk_stage_support.h"
#include "intensity_window.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

// Signed distance (mm) to the union of balls around the seeds: negative inside, as ITK's level
// sets expect.
ImageF::Pointer seedSpheres(const ImageF& image, const std::vector<ImageF::IndexType>& seeds, double radius,
                            const Progress& progress, const std::string& stage) {
  std::vector<ImageF::PointType> centres(seeds.size());
  for (size_t i = 0; i < seeds.size(); ++i) image.TransformIndexToPhysicalPoint(seeds[i], centres[i]);
  auto phi = ImageF::New();
  phi->CopyInformation(&image);
  phi->SetRegions(image.GetLargestPossibleRegion());
  phi->Allocate();
  ImageF::PointType point;
  const auto start = phi->GetLargestPossibleRegion().GetIndex();
  for (itk::ImageRegionIteratorWithIndex<ImageF> it(phi, phi->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it) {
    const auto& index = it.GetIndex();
    // Checked once per slice: large volumes take seconds here before ITK takes over.
    if (index[0] == start[0] && index[1] == start[1] && progress.cancelled()) throw Error("", stage, "cancelled");
    phi->TransformIndexToPhysicalPoint(index, point);
    double nearest = kUnbounded;
    for (const auto& centre : centres) nearest = std::min(nearest, point.EuclideanDistanceTo(centre));
    it.Set(static_cast<float>(nearest - radius));
  }
  return phi;
}

class ThresholdLevelSetStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "threshold-level-set", StageCategory::Segment,
        "Grows a smooth surface from seeds through voxels in [lower, upper] (level set)",
        {{"image", DataKind::Image, "image to segment"}}, DataKind::Labels,
        {ParameterSpec::points("seeds",
                               "start points, mm (LPS) or voxel:i,j,k; the surface starts as balls around them"),
         ParameterSpec::number("seed-radius", 5, 0.1, 1000, "mm", "radius of the starting ball around each seed"),
         windowBound("lower", -950, "lowest value the surface grows through"),
         windowBound("upper", -400, "highest value the surface grows through"),
         ParameterSpec::number("curvature-scaling", 1, 0, 1000, "",
                               "weight of smoothness against growth; higher gives rounder, less leaky surfaces"),
         ParameterSpec::integer("iterations", 1000, 1, 100000,
                                "most level-set iterations; it stops earlier once the surface settles (RMS change "
                                "below 0.02)")},
        "lung:\n  stage: threshold-level-set\n  input: ct\n  seeds: [[-38, -2, 0]]\n  lower: -950\n  upper: -400\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto [lower, upper] = checkedWindow(spec().name, p);
    const ImageF::Pointer& image = in.at("image").image;
    const auto seeds = seedIndices(p.points("seeds"), *image, spec().name + ".seeds");

    auto filter = itk::ThresholdSegmentationLevelSetImageFilter<ImageF, ImageF, float>::New();
    filter->SetInput(seedSpheres(*image, seeds, p.number("seed-radius"), progress, spec().name));
    filter->SetFeatureImage(image);
    filter->SetLowerThreshold(static_cast<float>(lower));
    filter->SetUpperThreshold(static_cast<float>(upper));
    filter->SetPropagationScaling(1.0);
    filter->SetCurvatureScaling(static_cast<float>(p.number("curvature-scaling")));
    filter->SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
    filter->SetMaximumRMSError(0.02);
    filter->SetIsoSurfaceValue(0);
    const ImageF::Pointer phi = runFilter(*filter, progress, spec().name);

    auto labels = LabelImage::New();
    labels->CopyInformation(phi);
    labels->SetRegions(phi->GetLargestPossibleRegion());
    labels->Allocate();
    const float* from = phi->GetBufferPointer();
    std::uint8_t* to = labels->GetBufferPointer();
    for (size_t i = 0, n = phi->GetLargestPossibleRegion().GetNumberOfPixels(); i < n; ++i)
      to[i] = from[i] <= 0 ? 1 : 0;  // ITK's level sets are negative inside
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(threshold_level_set, medpipe::ThresholdLevelSetStage)
