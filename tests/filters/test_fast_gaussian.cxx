// The gaussian stage's fast implementation (medpipe's run of ITK's recursive filter across many
// lines at once) against its itk one (itk::RecursiveGaussianImageFilter along z, x, y): the same
// voxels exactly, for anisotropic spacing, several sigmas, an axis of 4 voxels and a single slice.
#include <gtest/gtest.h>

#include "medpipe/phantom/body_phantom.h"
#include "stage_test_support.h"

namespace medpipe {

TEST(FastGaussian, SameVoxelsAsItkOnThePhantom) {
  PhantomSpec spec;
  spec.size = {45, 38, 9};
  spec.spacing = {0.45, 0.6, 2.5};
  const ImageF::Pointer image = makeBodyPhantom(spec).image;
  for (const double sigma : {0.3, 1.0, 4.0})
    EXPECT_EQ(test::fastVersusItk("gaussian", image, {{"sigma", sigma}}), 0.0) << "sigma " << sigma;
}

TEST(FastGaussian, SameVoxelsAsItkOnAShortAxisAndOnOneSlice) {
  PhantomSpec spec;
  spec.size = {33, 4, 5};
  EXPECT_EQ(test::fastVersusItk("gaussian", makeBodyPhantom(spec).image, {{"sigma", 1.5}}), 0.0);
  spec.size = {40, 31, 1};
  EXPECT_EQ(test::fastVersusItk("gaussian", makeBodyPhantom(spec).image, {{"sigma", 1.5}}), 0.0);
}

}  // namespace medpipe
