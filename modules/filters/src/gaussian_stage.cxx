// gaussian: recursive Gaussian smoothing with sigma in millimetres (ITK measures it in
// physical units, so anisotropic voxels are smoothed evenly in space).
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

class GaussianStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{"gaussian",
                                "Gaussian smoothing (recursive filter), sigma in mm",
                                {{"sigma", "mm", 1.0, 0.01, 100.0, "standard deviation of the Gaussian, in mm"}}};
    return spec;
  }

  ImageF::Pointer run(const ImageF& input, const ParameterValues& p, const Progress& progress) const override {
    using Filter = itk::SmoothingRecursiveGaussianImageFilter<ImageF, ImageF>;
    auto filter = Filter::New();
    filter->SetInput(&input);
    filter->SetSigma(p.at("sigma"));
    progress.report(0, "gaussian");
    try {
      filter->Update();
    } catch (const itk::ExceptionObject& e) {
      throw Error("", "gaussian", e.GetDescription());
    }
    progress.report(1, "gaussian");
    ImageF::Pointer output = filter->GetOutput();
    output->DisconnectPipeline();
    return output;
  }
};

}  // namespace

void linkGaussianStage() {}
const StageRegistration<GaussianStage> gaussianRegistration;

}  // namespace medpipe
