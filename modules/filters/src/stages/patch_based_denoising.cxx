// patch-based-denoising: non-local means style smoothing: each voxel becomes a weighted average of
// voxels whose surrounding patches look alike, drawn at random near it to bound the cost.
#include <itkGaussianRandomSpatialNeighborSubsampler.h>
#include <itkMinimumMaximumImageCalculator.h>
#include <itkPatchBasedDenoisingImageFilter.h>

#include <algorithm>
#include <cmath>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class PatchBasedDenoisingStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "patch-based-denoising", StageCategory::Denoise, "Non-local (patch similarity) denoising; slow on full-size volumes",
        {{"image", DataKind::Image, "image to denoise"}}, DataKind::Image,
        {ParameterSpec::integer("patch-radius", 1, 1, 5,
                                "patch half-width in voxels along the coarsest axis; the patch is a box of about the "
                                "same size in mm on every axis, so finer axes get proportionally more voxels"),
         ParameterSpec::integer("iterations", 5, 1, 100,
                                "denoising passes; each moves a voxel 20% of the way to its patch-weighted mean"),
         ParameterSpec::integer("patches", 20, 5, 10000,
                                "patches compared per voxel, drawn at random within 10 voxels along the finest axis "
                                "and the same distance in mm along the others; cost grows with it"),
         ParameterSpec::choice("noise-model", "gaussian", {"gaussian", "rician", "poisson"},
                               "noise model of the fidelity term: gaussian for CT, rician for MR magnitude, "
                               "poisson for counts; rician and poisson need non-negative intensities"),
         ParameterSpec::number("fidelity-weight", 0.0, 0.0, 1.0, "",
                               "weight of the noise-model term pulling the result back to the data; 0 = off")},
        "denoise:\n  stage: patch-based-denoising\n  input: mr\n  noise-model: rician\n  fidelity-weight: 0.1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    using Filter = itk::PatchBasedDenoisingImageFilter<ImageF, ImageF>;
    const auto& image = in.at("image").image;
    // ITK's patches are 3D boxes at least 3 voxels long on every axis, and it refuses an image thinner
    // than its patch with a message about patch lengths.
    const auto size = image->GetLargestPossibleRegion().GetSize();
    if (std::min({size[0], size[1], size[2]}) < 3)
      throw Error("", spec().name,
                  "needs at least 3 voxels along every axis (ITK's patches are 3D), got " + formatSize(size) +
                      (size[2] == 1 ? ": a one-slice image cannot be denoised by patches (bilateral or median "
                                      "work on one slice)"
                                    : ""));
    const std::string& model = p.choice("noise-model");
    if (model != "gaussian") {
      // ITK refuses negative voxels for these models with a message that names none of our parameters.
      auto range = itk::MinimumMaximumImageCalculator<ImageF>::New();
      range->SetImage(image);
      range->ComputeMinimum();
      if (range->GetMinimum() < 0)
        throw Error("", spec().name + ".noise-model",
                    model + " needs non-negative intensities; the image's minimum is " +
                        formatParameterValue(static_cast<double>(range->GetMinimum())));
    }
    using Sampler =
        itk::Statistics::GaussianRandomSpatialNeighborSubsampler<Filter::PatchSampleType, ImageF::RegionType>;
    auto sampler = Sampler::New();
    sampler->SetVariance(25);  // sd 5 voxels: most patches come from close by, where similar structure is likeliest
    // The search box spans the same mm on every axis: 10 voxels along the finest one (10 voxels on
    // every axis searched 25 mm along z but 7 mm in-plane on a 0.7 x 0.7 x 2.5 mm CT).
    Sampler::RadiusType searchRadius;
    const auto spacing = image->GetSpacing();
    const double finest = std::min({spacing[0], spacing[1], spacing[2]});
    for (unsigned d = 0; d < 3; ++d)
      searchRadius[d] = static_cast<itk::SizeValueType>(std::max(1L, std::lround(10 * finest / spacing[d])));
    sampler->SetRadius(searchRadius);
    sampler->SetNumberOfResultsRequested(static_cast<Sampler::SearchSizeType>(p.integer("patches")));

    auto filter = Filter::New();
    filter->SetInput(image);
    filter->SetSampler(sampler);
    filter->SetPatchRadius(static_cast<unsigned>(p.integer("patch-radius")));
    // A box patch: ITK 5.2's smooth-disc weights, resampled onto anisotropic voxels (CT's 0.7 x 0.8 x
    // 2.5 mm), come out above 1 after normalising to the centre voxel and the filter refuses them
    // ("Patch weights must be in the range [0,1]").
    filter->UseSmoothDiscPatchWeightsOff();
    filter->SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
    filter->SetNoiseModel(model == "rician"    ? Filter::NoiseModelEnum::RICIAN
                          : model == "poisson" ? Filter::NoiseModelEnum::POISSON
                                               : Filter::NoiseModelEnum::GAUSSIAN);
    filter->SetNoiseModelFidelityWeight(p.number("fidelity-weight"));
    // Estimating the similarity scale adapts it to the image's noise; 5% of the voxels suffice for it.
    filter->KernelBandwidthEstimationOn();
    filter->SetKernelBandwidthFractionPixelsForEstimation(0.05);
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(patch_based_denoising, medpipe::PatchBasedDenoisingStage)
