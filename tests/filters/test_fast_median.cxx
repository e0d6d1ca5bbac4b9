// medpipe's fast median against ITK's MedianImageFilter: the same voxels exactly, for several
// radii (also anisotropic and 0 on an axis), row lengths that are not a multiple of the 8-voxel
// blocks, and the borders.
#include <gtest/gtest.h>
#include <itkMedianImageFilter.h>

#include <random>

#include "medpipe/filters/itk/FastMedianImageFilter.h"
#include "medpipe/phantom/body_phantom.h"
#include "stage_test_support.h"

namespace medpipe {
namespace {

ImageF::Pointer noisyImage(unsigned nx, unsigned ny, unsigned nz) {
  auto image = ImageF::New();
  image->SetRegions(ImageF::RegionType(ImageF::SizeType{{nx, ny, nz}}));
  image->Allocate();
  std::mt19937 random(3);
  std::uniform_int_distribution<int> value(-50, 50);  // many ties, as in integer CT
  float* p = image->GetBufferPointer();
  for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i) p[i] = float(value(random)) + (i % 97 == 0 ? 0.5f : 0.0f);
  return image;
}

}  // namespace

TEST(FastMedian, SameVoxelsAsItkForEveryRadius) {
  const ImageF::Pointer image = noisyImage(21, 9, 7);
  const std::vector<std::array<unsigned, 3>> radii = {{1, 1, 1}, {0, 0, 0}, {1, 0, 0}, {2, 1, 0}, {0, 2, 1}, {2, 2, 2}, {3, 1, 2}};
  for (const auto& r : radii) {
    ImageF::SizeType radius{{r[0], r[1], r[2]}};
    auto reference = itk::MedianImageFilter<ImageF, ImageF>::New();
    reference->SetInput(image);
    reference->SetRadius(radius);
    reference->Update();
    auto fast = FastMedianImageFilter::New();
    fast->SetInput(image);
    fast->SetRadius(radius);
    fast->Update();
    EXPECT_EQ(test::maxDifference(*reference->GetOutput(), *fast->GetOutput()), 0.0)
        << "radius " << r[0] << "," << r[1] << "," << r[2];
  }
}

TEST(FastMedian, StageImplementationsAgreeOnThePhantom) {
  PhantomSpec spec;
  spec.size = {45, 38, 9};
  spec.spacing = {0.45, 0.45, 1.0};  // radius 1 mm: 2 x 2 x 1 voxels
  EXPECT_EQ(test::fastVersusItk("median", makeBodyPhantom(spec).image, {{"radius", 1.0}}), 0.0);
}

}  // namespace medpipe
