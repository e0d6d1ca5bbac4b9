// IBSI image processing: the resampled grid, interpolation, mask threshold and re-segmentation,
// on the digital phantom as ITK images.
#include <gtest/gtest.h>

#include <cmath>

#include "ibsi_phantom.h"
#include "medpipe/core/error.h"
#include "medpipe/radiomics/processing.h"

namespace medpipe::radiomics {
namespace {

struct PhantomImages {
  ImageF::Pointer image = ImageF::New();
  LabelImage::Pointer labels = LabelImage::New();
};

PhantomImages phantomImages() {
  const RoiImage roi = test::readIbsiPhantom();
  PhantomImages p;
  itk::ImageRegion<3> region;
  for (unsigned k = 0; k < 3; ++k) region.SetSize(k, size_t(roi.grid.size[k]));
  const double spacing[3] = {2, 2, 2};
  for (auto* image : {static_cast<itk::ImageBase<3>*>(p.image.GetPointer()),
                      static_cast<itk::ImageBase<3>*>(p.labels.GetPointer())}) {
    image->SetRegions(region);
    image->SetSpacing(spacing);
  }
  p.image->Allocate();
  p.labels->Allocate();
  for (size_t i = 0; i < roi.grid.count(); ++i) {
    p.image->GetBufferPointer()[i] = float(roi.intensity[i]);
    p.labels->GetBufferPointer()[i] = roi.morphMask[i];
  }
  return p;
}

double diagnostic(const Diagnostics& d, const std::string& name) {
  for (const auto& [key, value] : d)
    if (key == name) return value;
  ADD_FAILURE() << name << " missing";
  return NAN;
}

TEST(Processing, ResampledGridIsCentredAndRoundedUp) {
  // 5 voxels of 2 mm (centres 0..8 mm) at 3 mm: ceil(10 / 3) = 4 voxels, centres 3*3 = 9 mm wide,
  // so the first centre moves by (8 - 9) / 2 = -0.5 mm.
  const ResampledGrid g = resampledGrid({5, 4, 4}, {2, 2, 2}, {3, 0, 1});
  EXPECT_EQ(g.size[0], 4u);
  EXPECT_DOUBLE_EQ(g.originShift[0], -0.5);
  EXPECT_EQ(g.size[1], 4u) << "0 keeps the axis";
  EXPECT_DOUBLE_EQ(g.spacing[1], 2.0);
  EXPECT_EQ(g.size[2], 8u);
  EXPECT_DOUBLE_EQ(g.originShift[2], (6.0 - 7.0) / 2);
}

TEST(Processing, WithoutSpacingTheRegionIsCroppedAsItIs) {
  if (test::ibsiPhantomDir().empty()) GTEST_SKIP() << "IBSI digital phantom not found";
  const PhantomImages p = phantomImages();
  Diagnostics d;
  const RoiImage roi = prepareRegion(*p.image, *p.labels, 1, ProcessingSettings{}, &d);
  const RoiImage reference = test::readIbsiPhantom();
  EXPECT_EQ(roi.grid.size, reference.grid.size) << "the 6.2 mm sphere margin is clipped to the image";
  EXPECT_EQ(roi.intensity, reference.intensity);
  EXPECT_EQ(roi.morphMask, reference.morphMask);
  EXPECT_EQ(diagnostic(d, "diag_n_voxel_initial"), 74);
  EXPECT_EQ(diagnostic(d, "diag_n_voxel_reseg"), 74);
}

TEST(Processing, IdentityResamplingKeepsEveryVoxel) {
  if (test::ibsiPhantomDir().empty()) GTEST_SKIP() << "IBSI digital phantom not found";
  const PhantomImages p = phantomImages();
  ProcessingSettings s;
  s.spacing = {2, 2, 2};
  for (auto interpolation : {Interpolation::Nearest, Interpolation::Linear, Interpolation::Cubic}) {
    s.interpolation = interpolation;
    const RoiImage roi = prepareRegion(*p.image, *p.labels, 1, s);
    const RoiImage reference = test::readIbsiPhantom();
    ASSERT_EQ(roi.grid.size, reference.grid.size);
    for (size_t i = 0; i < roi.intensity.size(); ++i) ASSERT_NEAR(roi.intensity[i], reference.intensity[i], 1e-4) << i;
    EXPECT_EQ(roi.morphMask, reference.morphMask);
  }
}

TEST(Processing, RangeAndOutlierResegmentation) {
  if (test::ibsiPhantomDir().empty()) GTEST_SKIP() << "IBSI digital phantom not found";
  const PhantomImages p = phantomImages();
  const RoiImage reference = test::readIbsiPhantom();
  ProcessingSettings s;
  s.rangeMin = 2;
  s.rangeMax = 5;
  Diagnostics d;
  RoiImage roi = prepareRegion(*p.image, *p.labels, 1, s, &d);
  size_t expected = 0;
  for (size_t i = 0; i < reference.intensity.size(); ++i)
    expected += reference.morphMask[i] && reference.intensity[i] >= 2 && reference.intensity[i] <= 5;
  EXPECT_EQ(diagnostic(d, "diag_n_voxel_range"), double(expected));
  EXPECT_EQ(roi.morphMask, reference.morphMask) << "re-segmentation leaves the morphological mask alone";
  // mean +- 1 sd of the region: 2.15 +- 1.75, so only intensities 1, 3 stay (not 4, 6).
  s = ProcessingSettings{};
  s.outlierSigma = 1;
  roi = prepareRegion(*p.image, *p.labels, 1, s, &d);
  for (size_t i = 0; i < roi.intensity.size(); ++i)
    if (roi.intensityMask[i]) {
      EXPECT_LE(roi.intensity[i], 3.0);
    }
  EXPECT_GT(diagnostic(d, "diag_n_voxel_reseg"), 50);
  EXPECT_THROW(prepareRegion(*p.image, *p.labels, 3, ProcessingSettings{}), Error);
}

}  // namespace
}  // namespace medpipe::radiomics
