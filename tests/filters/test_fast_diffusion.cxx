// medpipe's fused curvature and gradient anisotropic diffusion against ITK's filters: same result
// within float rounding, borders included.
#include <gtest/gtest.h>
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>
#include <itkGradientAnisotropicDiffusionImageFilter.h>

#include <cmath>

#include "medpipe/filters/itk/FastCurvatureAnisotropicDiffusionImageFilter.h"
#include "medpipe/filters/itk/FastGradientAnisotropicDiffusionImageFilter.h"
#include "medpipe/phantom/body_phantom.h"
#include "stage_test_support.h"

namespace medpipe {
namespace {

// Runs ITK's filter and medpipe's on a noisy phantom with anisotropic voxels, 4 iterations.
template <typename Reference, typename Fast>
void expectFastMatchesItk(double conductance, double timeStep) {
  PhantomSpec spec;
  spec.size = {48, 40, 12};
  spec.spacing = {0.8, 0.7, 2.5};
  spec.noiseSigma = 60;
  const Phantom phantom = makeBodyPhantom(spec);
  itk::Object::GlobalWarningDisplayOff();  // ITK's curvature filter warns above 0.0625 whatever the spacing

  auto reference = Reference::New();
  auto fast = Fast::New();
  reference->SetInput(phantom.image);
  fast->SetInput(phantom.image);
  reference->SetNumberOfIterations(4);
  fast->SetNumberOfIterations(4);
  reference->SetConductanceParameter(conductance);
  fast->SetConductanceParameter(conductance);
  reference->SetTimeStep(timeStep);
  fast->SetTimeStep(timeStep);
  reference->Update();
  fast->Update();

  EXPECT_GT(test::maxDifference(*reference->GetOutput(), *phantom.image), 50.0) << "the diffusion must change the image";
  // Documented tolerance: 0.01 HU after 4 iterations (float rounding of the update order).
  const double difference = test::maxDifference(*reference->GetOutput(), *fast->GetOutput());
  EXPECT_LT(difference, 0.01) << "largest difference " << difference << " HU";
  EXPECT_EQ(fast->GetOutput()->GetSpacing(), phantom.image->GetSpacing());
  EXPECT_EQ(fast->GetOutput()->GetOrigin(), phantom.image->GetOrigin());
}

ImageF::Pointer smallPhantom() {
  PhantomSpec spec;
  spec.size = {40, 40, 10};
  spec.spacing = {0.45, 0.45, 1.0};
  return makeBodyPhantom(spec).image;
}

}  // namespace

TEST(FastCurvatureDiffusion, MatchesItksFilterWithinFloatRounding) {
  expectFastMatchesItk<itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>,
                       FastCurvatureAnisotropicDiffusionImageFilter>(1.5, 0.7 / 16);
}

TEST(FastGradientDiffusion, MatchesItksFilterWithinFloatRounding) {
  expectFastMatchesItk<itk::GradientAnisotropicDiffusionImageFilter<ImageF, ImageF>,
                       FastGradientAnisotropicDiffusionImageFilter>(1.0, 0.7 / 8);
}

TEST(FastCurvatureDiffusion, StageImplementationsAgree) {
  EXPECT_LT(test::fastVersusItk("curvature-anisotropic-diffusion", smallPhantom(), {{"iterations", 3L}}), 0.01);
}

TEST(FastGradientDiffusion, StageImplementationsAgree) {
  EXPECT_LT(test::fastVersusItk("gradient-anisotropic-diffusion", smallPhantom(), {{"iterations", 3L}}), 0.01);
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
    EXPECT_EQ(test::maxDifference(*filter->GetOutput(), *image), 0.0) << filter->GetNameOfClass();
  }
}

}  // namespace medpipe
