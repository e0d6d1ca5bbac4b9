// medpipe's fused curvature and gradient anisotropic diffusion against ITK's filters: same result
// within float rounding, borders included.
#include <gtest/gtest.h>
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>
#include <itkGradientAnisotropicDiffusionImageFilter.h>

#include <cmath>

#include "medpipe/filters/itk/FastCurvatureAnisotropicDiffusionImageFilter.h"
#include "medpipe/filters/itk/FastGradientAnisotropicDiffusionImageFilter.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {

TEST(FastCurvatureDiffusion, MatchesItksFilterWithinFloatRounding) {
  PhantomSpec spec;
  spec.size = {48, 40, 12};
  spec.spacing = {0.8, 0.7, 2.5};
  spec.noiseSigma = 60;
  const Phantom phantom = makeBodyPhantom(spec);
  itk::Object::GlobalWarningDisplayOff();  // ITK warns above time step 0.0625 whatever the spacing

  auto reference = itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
  reference->SetInput(phantom.image);
  reference->SetNumberOfIterations(4);
  reference->SetConductanceParameter(1.5);
  reference->SetTimeStep(0.7 / 16);
  reference->Update();

  auto fast = FastCurvatureAnisotropicDiffusionImageFilter::New();
  fast->SetInput(phantom.image);
  fast->SetNumberOfIterations(4);
  fast->SetConductanceParameter(1.5);
  fast->SetTimeStep(0.7 / 16);
  fast->Update();

  const float* a = reference->GetOutput()->GetBufferPointer();
  const float* b = fast->GetOutput()->GetBufferPointer();
  const size_t n = phantom.image->GetPixelContainer()->Size();
  double maxDifference = 0, maxChange = 0;
  for (size_t i = 0; i < n; ++i) {
    maxDifference = std::max(maxDifference, double(std::abs(a[i] - b[i])));
    maxChange = std::max(maxChange, double(std::abs(a[i] - phantom.image->GetBufferPointer()[i])));
  }
  EXPECT_GT(maxChange, 50.0) << "the diffusion must actually change the image";
  // Documented tolerance: 0.01 HU after 4 iterations (float rounding of the update order).
  EXPECT_LT(maxDifference, 0.01) << "largest difference " << maxDifference << " HU";
  EXPECT_EQ(fast->GetOutput()->GetSpacing(), phantom.image->GetSpacing());
  EXPECT_EQ(fast->GetOutput()->GetOrigin(), phantom.image->GetOrigin());
}

}  // namespace medpipe

namespace medpipe {

TEST(FastCurvatureDiffusion, StageImplementationsAgree) {
  PhantomSpec spec;
  spec.size = {40, 40, 10};
  spec.spacing = {0.45, 0.45, 1.0};
  const Phantom phantom = makeBodyPhantom(spec);
  const StageInputs in{{"image", {phantom.image, nullptr, nullptr}}};
  const Stage& stage = findStage("curvature-anisotropic-diffusion");
  const auto fast = runStage(stage, in, {{"iterations", 3L}}).image;
  const auto itk = runStage(stage, in, {{"iterations", 3L}, {"implementation", std::string("itk")}}).image;
  double maxDifference = 0;
  for (size_t i = 0; i < fast->GetPixelContainer()->Size(); ++i)
    maxDifference = std::max(maxDifference, double(std::abs(fast->GetBufferPointer()[i] - itk->GetBufferPointer()[i])));
  EXPECT_LT(maxDifference, 0.01);
}

}  // namespace medpipe

namespace medpipe {

TEST(FastGradientDiffusion, MatchesItksFilterWithinFloatRounding) {
  PhantomSpec spec;
  spec.size = {48, 40, 12};
  spec.spacing = {0.8, 0.7, 2.5};
  spec.noiseSigma = 60;
  const Phantom phantom = makeBodyPhantom(spec);

  auto reference = itk::GradientAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
  reference->SetInput(phantom.image);
  reference->SetNumberOfIterations(4);
  reference->SetConductanceParameter(1.0);
  reference->SetTimeStep(0.7 / 8);
  reference->Update();

  auto fast = FastGradientAnisotropicDiffusionImageFilter::New();
  fast->SetInput(phantom.image);
  fast->SetNumberOfIterations(4);
  fast->SetConductanceParameter(1.0);
  fast->SetTimeStep(0.7 / 8);
  fast->Update();

  const float* a = reference->GetOutput()->GetBufferPointer();
  const float* b = fast->GetOutput()->GetBufferPointer();
  const size_t n = phantom.image->GetPixelContainer()->Size();
  double maxDifference = 0, maxChange = 0;
  for (size_t i = 0; i < n; ++i) {
    maxDifference = std::max(maxDifference, double(std::abs(a[i] - b[i])));
    maxChange = std::max(maxChange, double(std::abs(a[i] - phantom.image->GetBufferPointer()[i])));
  }
  EXPECT_GT(maxChange, 50.0) << "the diffusion must actually change the image";
  // Documented tolerance: 0.01 HU after 4 iterations (float rounding of the update order).
  EXPECT_LT(maxDifference, 0.01) << "largest difference " << maxDifference << " HU";
}

TEST(FastDiffusion, LeavesAConstantImageUnchanged) {
  // No gradient anywhere: the conductance scale is 0 and nothing may diffuse (nor become NaN).
  auto image = ImageF::New();
  image->SetRegions(ImageF::RegionType(ImageF::SizeType{{8, 7, 5}}));
  image->Allocate();
  image->FillBuffer(42.0f);
  for (auto filter : {itk::SmartPointer<FastAnisotropicDiffusionImageFilter>(FastCurvatureAnisotropicDiffusionImageFilter::New()),
                      itk::SmartPointer<FastAnisotropicDiffusionImageFilter>(FastGradientAnisotropicDiffusionImageFilter::New())}) {
    filter->SetInput(image);
    filter->SetNumberOfIterations(2);
    filter->Update();
    const float* out = filter->GetOutput()->GetBufferPointer();
    for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i) ASSERT_EQ(out[i], 42.0f) << filter->GetNameOfClass();
  }
}

TEST(FastGradientDiffusion, StageImplementationsAgree) {
  PhantomSpec spec;
  spec.size = {40, 40, 10};
  spec.spacing = {0.45, 0.45, 1.0};
  const Phantom phantom = makeBodyPhantom(spec);
  const StageInputs in{{"image", {phantom.image, nullptr, nullptr}}};
  const Stage& stage = findStage("gradient-anisotropic-diffusion");
  const auto fast = runStage(stage, in, {{"iterations", 3L}}).image;
  const auto itk = runStage(stage, in, {{"iterations", 3L}, {"implementation", std::string("itk")}}).image;
  double maxDifference = 0;
  for (size_t i = 0; i < fast->GetPixelContainer()->Size(); ++i)
    maxDifference = std::max(maxDifference, double(std::abs(fast->GetBufferPointer()[i] - itk->GetBufferPointer()[i])));
  EXPECT_LT(maxDifference, 0.01);
}

}  // namespace medpipe
