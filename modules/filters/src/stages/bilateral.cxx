// bilateral: averages neighbours weighted by distance (domain sigma, mm) and by intensity
// difference (range sigma, HU), so voxels across an edge barely contribute.
#include <itkBilateralImageFilter.h>

#include "fast_denoise.h"
#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class BilateralStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "bilateral", StageCategory::Denoise, "Edge-preserving bilateral filter: spatial sigma in mm, intensity sigma in HU",
        {{"image", DataKind::Image, "image to smooth"}}, DataKind::Image,
        {ParameterSpec::number("domain-sigma", 2.0, 0.01, 50.0, "mm",
                               "spatial standard deviation; the kernel reaches 2.5 sigma"),
         ParameterSpec::number("range-sigma", 100.0, 0.01, 10000.0, "HU",
                               "intensity standard deviation; differences well above it (edges) are not averaged"),
         ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                               "fast: medpipe's separable filter, ITK's kernels applied along z, y and x in turn (the same "
                               "voxels where the image varies along one axis; on the body phantom with 40 HU noise "
                               "within 40 HU of ITK's, 5 HU on average, PSNR >= 48 dB against it, asserted in "
                               "tests/filters/test_fast_denoise.cxx; speed in bench/RESULTS-stages.md); "
                               "itk: itk::BilateralImageFilter, the full 3D kernel")},
        "smooth:\n  stage: bilateral\n  input: ct\n  domain-sigma: 2.0\n  range-sigma: 80\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    if (p.choice("implementation") == "fast")
      return {separableBilateral(*in.at("image").image, p.number("domain-sigma"), p.number("range-sigma"), progress,
                                 spec().name),
              nullptr, nullptr};
    auto filter = itk::BilateralImageFilter<ImageF, ImageF>::New();
    filter->SetInput(in.at("image").image);
    filter->SetDomainSigma(p.number("domain-sigma"));  // ITK measures it in physical units
    filter->SetRangeSigma(p.number("range-sigma"));
    // ITK checks for a cancel once per 1% of the volume, over ten seconds apart on a CT; 16 k voxels
    // per piece is a few tenths of a second at its rate.
    return {runFilterInPieces(*filter, progress, spec().name, 16384), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(bilateral, medpipe::BilateralStage)
