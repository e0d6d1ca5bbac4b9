// patch-based-denoising: non-local means: each voxel becomes a weighted average of voxels whose
// surrounding patches look alike. Patch and search radii are in mm, so CT's anisotropic voxels
// (0.8 x 0.7 x 2.5 mm) get boxes of about the same physical size on every axis.
#include <itkGaussianRandomSpatialNeighborSubsampler.h>
#include <itkMinimumMaximumImageCalculator.h>
#include <itkPatchBasedDenoisingImageFilter.h>

#include <algorithm>
#include <cmath>

#include "fast_denoise.h"
#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

using Filter = itk::PatchBasedDenoisingImageFilter<ImageF, ImageF>;

using Sampler = itk::Statistics::GaussianRandomSpatialNeighborSubsampler<Filter::PatchSampleType, ImageF::RegionType>;

// ITK's filter checks for a cancel between iterations only (minutes apart on a CT); its sampler is
// asked for patches at every voxel, in the bandwidth estimate and the update alike, so this one
// stops there. ITK clones it per thread: the clones keep the progress.
class CancellableSampler : public Sampler {
 public:
  using Self = CancellableSampler;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)
  const Progress* progress = nullptr;

  void Search(const InstanceIdentifier& query, SubsamplePointer& results) override {
    if (progress && progress->cancelled()) throw itk::ProcessAborted(__FILE__, __LINE__);
    Sampler::Search(query, results);
  }

 protected:
  typename itk::LightObject::Pointer InternalClone() const override {
    typename itk::LightObject::Pointer clone = Sampler::InternalClone();
    if (auto* self = dynamic_cast<Self*>(clone.GetPointer())) self->progress = progress;
    return clone;
  }
};

class PatchBasedDenoisingStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "patch-based-denoising", StageCategory::Denoise, "Non-local means (patch similarity) denoising, radii in mm",
        {{"image", DataKind::Image, "image to denoise"}}, DataKind::Image,
        {ParameterSpec::number("patch-radius", 1.0, 0.1, 10.0, "mm",
                               "half-width of the patches compared; rounded per axis to whole voxels, at least 1 "
                               "(itk: whole voxels along the coarsest axis, at least 1, the same mm on the others)"),
         ParameterSpec::number("search-radius", 1.4, 0.1, 20.0, "mm",
                               "fast: half-width of the box of voxels averaged, rounded per axis to whole voxels, "
                               "at least 1; the cost grows with its volume"),
         ParameterSpec::number("strength", 1.0, 0.1, 10.0, "",
                               "fast: smoothing strength h, in units of the noise's standard deviation (estimated "
                               "from the image): patches whose mean squared difference exceeds 2 noise variances "
                               "by h^2 variances weigh about e^-1"),
         ParameterSpec::choice(
             "implementation", "fast", {"fast", "itk"},
             "fast: medpipe's non-local means (one pass over the search box, gaussian noise); on the body phantom "
             "with 100 HU noise its output is within 60 HU of ITK's on average (PSNR >= 27 dB against it, mostly the "
             "noise ITK's leaves) and closer to the noise-free image than ITK's (tests/filters/test_fast_denoise.cxx; "
             "speed in bench/RESULTS-stages.md). "
             "itk: itk::PatchBasedDenoisingImageFilter (iterative, random patch samples, all noise models)"),
         ParameterSpec::integer("iterations", 5, 1, 100,
                                "itk: denoising passes; each moves a voxel 20% of the way to its patch-weighted mean"),
         ParameterSpec::integer("patches", 20, 5, 10000,
                                "itk: patches compared per voxel, drawn at random within 10 voxels along the finest "
                                "axis and the same distance in mm along the others; cost grows with it"),
         ParameterSpec::choice("noise-model", "gaussian", {"gaussian", "rician", "poisson"},
                               "noise model of the fidelity term: gaussian for CT, rician for MR magnitude, "
                               "poisson for counts; rician and poisson need non-negative intensities and "
                               "implementation: itk"),
         ParameterSpec::number("fidelity-weight", 0.0, 0.0, 1.0, "",
                               "itk: weight of the noise-model term pulling the result back to the data; 0 = off")},
        "denoise:\n  stage: patch-based-denoising\n  input: ct\n  patch-radius: 1.0\n  search-radius: 1.4\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const std::string& name = spec().name;
    const ImageF::Pointer image = in.at("image").image;
    const std::string& model = p.choice("noise-model");
    if (p.choice("implementation") == "fast") {
      if (model != "gaussian")
        throw Error("", name + ".noise-model",
                    model + " needs implementation: itk (the fast non-local means assumes gaussian noise)");
      if (p.number("fidelity-weight") > 0)
        throw Error("", name + ".fidelity-weight", "needs implementation: itk (the fast one has no fidelity term)");
      NonLocalMeansSettings settings;
      const auto patch = radiusInVoxels(*image, p.number("patch-radius"));
      const auto search = radiusInVoxels(*image, p.number("search-radius"));
      for (unsigned d = 0; d < Dimension; ++d) settings.patch[d] = long(patch[d]), settings.search[d] = long(search[d]);
      settings.strength = p.number("strength");
      return {nonLocalMeans(*image, settings, progress, name), nullptr, nullptr};
    }
    return {runItk(image, p, progress), nullptr, nullptr};
  }

 private:
  ImageF::Pointer runItk(const ImageF::Pointer& image, const ParameterValues& p, const Progress& progress) const {
    const std::string& name = spec().name;
    const auto size = image->GetLargestPossibleRegion().GetSize();
    // ITK's patches are 3D boxes at least 3 voxels long on every axis, and it refuses an image thinner
    // than its patch with a message about patch lengths. (Run on three copies of a slice, it made
    // the slice noisier: 60 -> 69 HU RMS on the phantom.)
    if (std::min({size[0], size[1], size[2]}) < 3)
      throw Error("", name,
                  "implementation: itk needs at least 3 voxels along every axis (ITK's patches are 3D), got " +
                      formatSize(size) + (size[2] == 1 ? ": the default implementation: fast works on one slice" : ""));
    const std::string& model = p.choice("noise-model");
    if (model != "gaussian") {
      // ITK refuses negative voxels for these models with a message that names none of our parameters.
      auto range = itk::MinimumMaximumImageCalculator<ImageF>::New();
      range->SetImage(image);
      range->ComputeMinimum();
      if (range->GetMinimum() < 0)
        throw Error("", name + ".noise-model",
                    model + " needs non-negative intensities; the image's minimum is " +
                        formatParameterValue(static_cast<double>(range->GetMinimum())));
    }
    auto sampler = CancellableSampler::New();
    sampler->progress = &progress;
    sampler->SetVariance(25);  // sd 5 voxels: most patches come from close by, where similar structure is likeliest
    // The search box spans the same mm on every axis: 10 voxels along the finest one (10 voxels on
    // every axis searched 25 mm along z but 7 mm in-plane on a 0.7 x 0.7 x 2.5 mm CT).
    Sampler::RadiusType searchRadius;
    const auto spacing = image->GetSpacing();
    const double finest = std::min({spacing[0], spacing[1], spacing[2]});
    const double coarsest = std::max({spacing[0], spacing[1], spacing[2]});
    for (unsigned d = 0; d < 3; ++d)
      searchRadius[d] = static_cast<itk::SizeValueType>(std::max(1L, std::lround(10 * finest / spacing[d])));
    sampler->SetRadius(searchRadius);
    sampler->SetNumberOfResultsRequested(static_cast<Sampler::SearchSizeType>(p.integer("patches")));

    auto filter = Filter::New();
    filter->SetInput(image);
    filter->SetSampler(sampler);
    // ITK takes the radius in voxels along the coarsest axis and scales it to the others.
    filter->SetPatchRadius(static_cast<unsigned>(std::max(1L, std::lround(p.number("patch-radius") / coarsest))));
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
    return runFilter(*filter, progress, name);
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(patch_based_denoising, medpipe::PatchBasedDenoisingStage)
