// gaussian: recursive Gaussian smoothing with sigma in millimetres (ITK measures sigma in
// physical units, so anisotropic voxels are smoothed evenly in space).
#include <itkRecursiveGaussianImageFilter.h>

#include "fast_recursive_gaussian.h"
#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class GaussianStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "gaussian", StageCategory::Denoise, "Gaussian smoothing (recursive filter) with sigma in mm",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        {ParameterSpec::number("sigma", 1.0, 0.01, 100.0, "mm", "standard deviation of the Gaussian"),
         ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                               "fast: ITK's recursive filter run across many lines at once on all threads (the "
                               "same voxels as ITK's); itk: itk::RecursiveGaussianImageFilter along z, x, y")},
        "smooth:\n  stage: gaussian\n  input: ct\n  sigma: 1.5\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    // The passes of itk::SmoothingRecursiveGaussianImageFilter (z, then x, then y, in float), run one
    // by one: inside that filter they saw a cancel only through its progress events, late.
    ImageF::Pointer image = in.at("image").image;
    if (p.choice("implementation") == "fast")
      return {fastRecursiveGaussian(*image, p.number("sigma"), {2, 0, 1}, progress, spec().name), nullptr, nullptr};
    const auto size = image->GetLargestPossibleRegion().GetSize();
    const unsigned directions[3] = {2, 0, 1};
    for (unsigned i = 0; i < 3; ++i) {
      // Along an axis of one voxel (a radiograph's z) smoothing changes nothing: the pass is skipped,
      // so a one-slice image gets ITK's 2D smoothing. ITK's recursive filter needs 4 voxels.
      if (size[directions[i]] <= 1) continue;
      if (size[directions[i]] < 4)
        throw Error("", spec().name,
                    "needs 1 or at least 4 voxels along every axis (ITK's recursive filter), got " + formatSize(size));
      const Progress pass([&progress, i](double f, const std::string& what) { progress.report((i + f) / 3, what); },
                          &progress);
      auto filter = itk::RecursiveGaussianImageFilter<ImageF, ImageF>::New();
      filter->SetInput(image);
      filter->SetDirection(directions[i]);
      filter->SetOrder(itk::GaussianOrderEnum::ZeroOrder);
      filter->SetNormalizeAcrossScale(false);
      filter->SetSigma(p.number("sigma"));
      image = runFilter(*filter, pass, spec().name);
    }
    return {image, nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(gaussian, medpipe::GaussianStage)
