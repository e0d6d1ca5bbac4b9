// medpipe's fast median against ITK's MedianImageFilter: the same voxels exactly, for several
// radii (also anisotropic and 0 on an axis), row lengths that are not a multiple of the 8-voxel
// blocks, and the borders.
#include <gtest/gtest.h>
#include <itkMedianImageFilter.h>

#include <random>

#include "medpipe/filters/itk/FastMedianImageFilter.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

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
    const float* a = reference->GetOutput()->GetBufferPointer();
    const float* b = fast->GetOutput()->GetBufferPointer();
    size_t differing = 0;
    for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i) differing += a[i] != b[i];
    EXPECT_EQ(differing, 0u) << "radius " << r[0] << "," << r[1] << "," << r[2];
  }
}

TEST(FastMedian, StageImplementationsAgreeOnThePhantom) {
  PhantomSpec spec;
  spec.size = {45, 38, 9};
  spec.spacing = {0.45, 0.45, 1.0};  // radius 1 mm: 2 x 2 x 1 voxels
  const Phantom phantom = makeBodyPhantom(spec);
  const StageInputs in{{"image", {phantom.image, nullptr, nullptr}}};
  const Stage& stage = findStage("median");
  const auto fast = runStage(stage, in, {{"radius", 1.0}}).image;
  const auto itk = runStage(stage, in, {{"radius", 1.0}, {"implementation", std::string("itk")}}).image;
  size_t differing = 0;
  for (size_t i = 0; i < fast->GetPixelContainer()->Size(); ++i) differing += fast->GetBufferPointer()[i] != itk->GetBufferPointer()[i];
  EXPECT_EQ(differing, 0u);
  EXPECT_EQ(fast->GetSpacing(), phantom.image->GetSpacing());
  EXPECT_EQ(fast->GetOrigin(), phantom.image->GetOrigin());
  EXPECT_EQ(fast->GetDirection(), phantom.image->GetDirection());
}

}  // namespace medpipe
