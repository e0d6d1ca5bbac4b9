// medpipe's fast curvature flow and min-max curvature flow against ITK's filters: the same voxels
// exactly, on anisotropic voxels, odd sizes (borders on every side), stencil radii 1 to 3, and
// through the stages on the body phantom.
#include <gtest/gtest.h>
#include <itkCurvatureFlowImageFilter.h>
#include <itkMinMaxCurvatureFlowImageFilter.h>

#include <random>

#include "medpipe/filters/itk/FastCurvatureFlowImageFilter.h"
#include "medpipe/phantom/body_phantom.h"
#include "stage_test_support.h"

namespace medpipe {
namespace {

ImageF::Pointer noisyImage(unsigned nx, unsigned ny, unsigned nz) {
  auto image = ImageF::New();
  image->SetRegions(ImageF::RegionType(ImageF::SizeType{{nx, ny, nz}}));
  image->SetSpacing(ImageF::SpacingType(std::vector<double>{0.7, 0.8, 2.5}.data()));
  image->Allocate();
  std::mt19937 random(5);
  std::normal_distribution<float> noise(0, 30);
  float* p = image->GetBufferPointer();
  for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
    p[i] = (i % 23 < 11 ? -800.0f : 40.0f) + noise(random) + (i % 5 == 0 ? 0.0f : 0.25f);
  return image;
}

template <typename TFilter>
ImageF::Pointer itkFlow(const ImageF::Pointer& image, unsigned iterations, double timeStep, TFilter filter) {
  filter->SetInput(image);
  filter->SetNumberOfIterations(iterations);
  filter->SetTimeStep(timeStep);
  filter->Update();
  return filter->GetOutput();
}

ImageF::Pointer fastFlow(const ImageF::Pointer& image, unsigned iterations, double timeStep, unsigned stencil) {
  auto fast = FastCurvatureFlowImageFilter::New();
  fast->SetInput(image);
  fast->SetNumberOfIterations(iterations);
  fast->SetTimeStep(timeStep);
  fast->SetStencilRadius(stencil);
  fast->Update();
  return fast->GetOutput();
}

}  // namespace

// The fast filter works in place, slab by slab of slices (up to 8 slabs here): few slices give
// slabs of one slice, more give slabs whose slices read each other's old values.
TEST(FastCurvatureFlow, SameVoxelsAsItk) {
  for (unsigned nz : {7u, 41u}) {
    const ImageF::Pointer image = noisyImage(23, 11, nz);
    const ImageF::Pointer reference = itkFlow(image, 4, 0.06, itk::CurvatureFlowImageFilter<ImageF, ImageF>::New());
    const ImageF::Pointer fast = fastFlow(image, 4, 0.06, 0);
    EXPECT_GT(test::maxDifference(*image, *fast), 1.0) << nz << " slices";  // it did smooth
    EXPECT_EQ(test::maxDifference(*reference, *fast), 0.0) << nz << " slices";
  }
}

TEST(FastCurvatureFlow, MinMaxSameVoxelsAsItkForStencilRadii1To3) {
  for (unsigned nz : {9u, 37u}) {
    const ImageF::Pointer image = noisyImage(19, 13, nz);
    for (unsigned radius : {1u, 2u, 3u}) {
      auto filter = itk::MinMaxCurvatureFlowImageFilter<ImageF, ImageF>::New();
      filter->SetStencilRadius(radius);
      const ImageF::Pointer reference = itkFlow(image, 3, 0.06, filter);
      const ImageF::Pointer fast = fastFlow(image, 3, 0.06, radius);
      EXPECT_GT(test::maxDifference(*image, *fast), 1.0) << "stencil radius " << radius << ", " << nz << " slices";
      EXPECT_EQ(test::maxDifference(*reference, *fast), 0.0) << "stencil radius " << radius << ", " << nz << " slices";
    }
  }
}

TEST(FastCurvatureFlow, StageImplementationsAgreeOnThePhantom) {
  PhantomSpec spec;
  spec.size = {48, 40, 10};
  const ImageF::Pointer image = makeBodyPhantom(spec).image;
  EXPECT_EQ(test::fastVersusItk("curvature-flow", image, {{"iterations", 3L}}), 0.0);
  EXPECT_EQ(test::fastVersusItk("min-max-curvature-flow", image, {{"iterations", 3L}, {"stencil-radius", 1L}}), 0.0);
}

}  // namespace medpipe
