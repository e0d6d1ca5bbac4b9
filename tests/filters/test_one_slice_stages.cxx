// Every registered stage on a one-slice image (a radiograph, one slice of a
// CT): it either keeps the one-slice grid with plausible voxels, or fails with
// a message naming the stage and why; never an uncaught exception, never a
// kernel that reaches outside the slice. A few stages are compared with ITK's
// 2D filter on that slice: a one-slice image must be filtered as the 2D image
// it is.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <exception>

#include <itkBinaryBallStructuringElement.h>
#include <itkBinaryDilateImageFilter.h>
#include <itkCastImageFilter.h>
#include <itkExtractImageFilter.h>
#include <itkImageRegionConstIteratorWithIndex.h>
#include <itkMedianImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include "medpipe/core/error.h"
#include "classifier_model_support.h"
#include "every_stage_case.h"
#include "medpipe/deep/network.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {
namespace {

using test::Case;
using test::everyStage;
using test::nameOf;
using test::testNameOf;

using Image2 = itk::Image<float, 2>;
using LabelPixel = LabelImage::PixelType;
using Labels2 = itk::Image<LabelPixel, 2>;

// One axial slice through both lungs, spine and arm bone, 2.5 mm thick.
const Phantom &oneSlice() {
  static const Phantom p = [] {
    PhantomSpec spec;
    spec.size = {128, 128, 1};
    spec.spacing = {1.6, 1.6, 2.5};
    spec.noiseSigma = 20;
    return makeBodyPhantom(spec);
  }();
  return p;
}

// Parameters a stage needs (no default), or that make it do real work on the
// slice; radii of a few mm, as a user would give them for a CT, reach across
// slices of 2.5 mm.
std::map<std::string, ParameterValue> parametersFor(const std::string &stage) {
  const Points lungSeeds{{{-30, -2, 0}, {30, -2, 0}}};
  if (stage == "confidence-connected" || stage == "connected-threshold" || stage == "neighborhood-connected" ||
      stage == "threshold-level-set")
    return {{"seeds", lungSeeds}};
  if (stage == "classify-voxels") return {{"model", test::airBodyModelPath()}};
  if (stage == "voxel-class-probability") return {{"model", test::airBodyModelPath()}, {"class", 2L}};
  if (stage == "unet-segment" || stage == "unet-probability")
    return {{"model", std::string(MEDPIPE_SOURCE_DIR "/testdata/unet-phantom")}};
  if (stage == "crop-to-box") return {{"x0", 10L}, {"y0", 10L}, {"z0", 0L}, {"x1", 100L}, {"y1", 90L}, {"z1", 0L}};
  if (stage == "median" || stage == "mean") return {{"radius", 3.0}};
  if (stage == "dilate" || stage == "erode" || stage == "open" || stage == "close") return {{"radius", 4.0}};
  if (stage == "resample" || stage == "resample-labels")
    return {{"spacing-x", 1.0}, {"spacing-y", 1.0}, {"spacing-z", 1.0}};
  return {};
}

StageInputs inputsFor(const Stage &stage) { return test::requiredInputs(stage, oneSlice()); }

template <typename T>
typename itk::Image<T, 2>::Pointer sliceOf(const itk::Image<T, 3> &image) {
  auto extract = itk::ExtractImageFilter<itk::Image<T, 3>, itk::Image<T, 2>>::New();
  auto region = image.GetLargestPossibleRegion();
  region.SetSize(2, 0);
  extract->SetInput(&image);
  extract->SetExtractionRegion(region);
  extract->SetDirectionCollapseToSubmatrix();
  extract->Update();
  return extract->GetOutput();
}

template <typename T>
double maxDifference2d(const itk::Image<T, 3> &volume, const itk::Image<T, 2> &slice) {
  double worst = 0;
  const auto size = slice.GetLargestPossibleRegion().GetSize();
  for (itk::IndexValueType y = 0; y < itk::IndexValueType(size[1]); ++y)
    for (itk::IndexValueType x = 0; x < itk::IndexValueType(size[0]); ++x)
      worst = std::max(worst, std::abs(double(volume.GetPixel({{x, y, 0}})) - double(slice.GetPixel({{x, y}}))));
  return worst;
}


class OneSliceStage : public testing::TestWithParam<Case> {};

TEST_P(OneSliceStage, KeepsTheSliceOrFailsNamingTheStage) {
  const Case &c = GetParam();
  const Stage &stage = findStage(c.stage);
  if ((c.stage == "unet-segment" || c.stage == "unet-probability") && !deep::torchAvailable())
    GTEST_SKIP() << nameOf(c) << ": built without libtorch (the stage refuses to run; tests/deep checks its message)";
  auto given = parametersFor(c.stage);
  if (!c.implementation.empty()) given["implementation"] = c.implementation;
  const ImageF &input = *oneSlice().image;

  StageData out;
  try {
    out = runStage(stage, inputsFor(stage), given);
  } catch (const Error &e) {
    const std::string message = formatError(e.info());
    std::printf("[ note ] %s: %s\n", nameOf(c).c_str(), message.c_str());
    // Only these refuse a one-slice image, each saying why in its own words
    // (never ITK's region error).
    const std::map<std::string, std::string> refusals{
        // ITK's patch filter, which needs 3D patches (the default fast one works on the slice).
        {"patch-based-denoising", "the default implementation: fast works on one slice"},
        // 7 ml of lung in one 2.5 mm slice of the phantom: the stage wants a
        // chest CT's lungs.
        {"lung-mask", "is this a chest CT?"}};
    const auto expected = refusals.find(c.stage);
    ASSERT_NE(expected, refusals.end()) << nameOf(c) << " refused a one-slice image: " << message;
    EXPECT_EQ(message.rfind(c.stage + ":", 0), 0u) << message;
    EXPECT_NE(message.find(expected->second), std::string::npos) << message;
    EXPECT_EQ(message.find("ITK ERROR"), std::string::npos) << message;
    return;
  } catch (const std::exception &e) {
    FAIL() << nameOf(c) << " threw a non-medpipe exception: " << e.what();
  }

  const itk::ImageBase<3> *grid = out.image ? static_cast<const itk::ImageBase<3> *>(out.image.GetPointer())
                                            : static_cast<const itk::ImageBase<3> *>(out.labels.GetPointer());
  if (out.table) {
    ASSERT_FALSE(out.table->rows.empty()) << nameOf(c) << " measured nothing on the slice";
    size_t finite = 0, values = 0;
    for (const auto &row : out.table->rows)
      for (double v : row) finite += std::isfinite(v), ++values;
    std::printf("[ note ] %s: %zu rows, %zu of %zu values finite\n", nameOf(c).c_str(), out.table->rows.size(), finite,
                values);
    EXPECT_GT(finite, values / 2) << nameOf(c);
    return;
  }
  ASSERT_NE(grid, nullptr);
  const auto size = grid->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[2], 1u) << nameOf(c) << " made " << size[2] << " slices of one";
  EXPECT_NEAR(grid->GetSpacing()[2], input.GetSpacing()[2], 1e-9) << nameOf(c);
  EXPECT_NEAR(grid->GetOrigin()[2], input.GetOrigin()[2], 1e-6) << nameOf(c);
  if (c.stage != "crop-to-box" && c.stage != "crop-to-mask" && c.stage != "resample" && c.stage != "resample-labels") {
    EXPECT_EQ(size, input.GetLargestPossibleRegion().GetSize()) << nameOf(c);
    EXPECT_EQ(grid->GetSpacing(), input.GetSpacing()) << nameOf(c);
    EXPECT_EQ(grid->GetOrigin(), input.GetOrigin()) << nameOf(c);
  }
  // Plausible voxels: finite, and not one value everywhere (every stage here
  // has structure to keep).
  if (out.image) {
    float lo = INFINITY, hi = -INFINITY;
    bool finite = true;
    itk::ImageRegionConstIterator<ImageF> it(out.image, out.image->GetLargestPossibleRegion());
    for (; !it.IsAtEnd(); ++it)
      finite = finite && std::isfinite(it.Get()), lo = std::min(lo, it.Get()), hi = std::max(hi, it.Get());
    EXPECT_TRUE(finite) << nameOf(c);
    EXPECT_LT(lo, hi) << nameOf(c) << " gave one value everywhere";
  } else {
    LabelPixel lo = 255, hi = 0;
    itk::ImageRegionConstIterator<LabelImage> it(out.labels, out.labels->GetLargestPossibleRegion());
    for (; !it.IsAtEnd(); ++it) lo = std::min(lo, it.Get()), hi = std::max(hi, it.Get());
    EXPECT_LT(lo, hi) << nameOf(c) << " gave one label everywhere";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryStage, OneSliceStage, testing::ValuesIn(everyStage()), testNameOf);

// gaussian on one slice is ITK's 2D smoothing of that slice (no pass along z,
// which ITK's recursive filter refuses on fewer than 4 voxels).
TEST(OneSlice, GaussianEqualsItk2d) {
  const auto out = runStage(findStage("gaussian"), inputsFor(findStage("gaussian")), {{"sigma", 2.0}}).image;
  auto smoothing = itk::SmoothingRecursiveGaussianImageFilter<Image2, Image2>::New();
  smoothing->SetInput(sliceOf(*oneSlice().image));
  smoothing->SetSigma(2.0);
  smoothing->Update();
  EXPECT_LT(maxDifference2d(*out, *smoothing->GetOutput()), 1e-3);
}

// median (both implementations) with a 3 mm radius on 1.6 mm pixels: ITK's 2D
// median with radius 2.
TEST(OneSlice, MedianEqualsItk2d) {
  auto median = itk::MedianImageFilter<Image2, Image2>::New();
  median->SetInput(sliceOf(*oneSlice().image));
  median->SetRadius(2);
  median->Update();
  for (const std::string implementation : {"fast"}) {
    const auto out = runStage(findStage("median"), inputsFor(findStage("median")),
                              {{"radius", 3.0}, {"implementation", implementation}})
                         .image;
    EXPECT_EQ(maxDifference2d(*out, *median->GetOutput()), 0.0) << implementation;
  }
}

// dilate with a 4 mm ball: ITK's 2D dilation by a disc of radius 3 pixels (4
// / 1.6 rounded), the lungs' label grown into the body.
TEST(OneSlice, DilateEqualsItk2d) {
  const auto out = runStage(findStage("dilate"), inputsFor(findStage("dilate")), {{"radius", 4.0}}).labels;
  using Ball = itk::BinaryBallStructuringElement<LabelPixel, 2>;
  Ball ball;
  ball.SetRadius(3);  // std::lround(4 / 1.6)
  ball.CreateStructuringElement();
  auto dilate = itk::BinaryDilateImageFilter<Labels2, Labels2, Ball>::New();
  dilate->SetInput(sliceOf(*oneSlice().labels));
  dilate->SetKernel(ball);
  dilate->SetForegroundValue(1);
  dilate->Update();
  EXPECT_EQ(maxDifference2d(*out, *dilate->GetOutput()), 0.0);
}

// Root mean square of (image - reference) over the soft tissue of the slice, and the coefficient of
// variation of `image` there (the soft tissue is one value on the clean phantom).
double softTissueRms(const Phantom &p, const ImageF &image, const ImageF &reference) {
  double sum = 0;
  size_t n = 0;
  itk::ImageRegionConstIteratorWithIndex<LabelImage> it(p.labels, p.labels->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
    if (it.Get() == kSoftTissue) sum += std::pow(double(image.GetPixel(it.GetIndex())) - reference.GetPixel(it.GetIndex()), 2), ++n;
  return std::sqrt(sum / double(n));
}

double softTissueVariation(const Phantom &p, const ImageF &image) {
  double sum = 0, squares = 0;
  size_t n = 0;
  itk::ImageRegionConstIteratorWithIndex<LabelImage> it(p.labels, p.labels->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
    if (it.Get() == kSoftTissue) {
      const double v = image.GetPixel(it.GetIndex());
      sum += v, squares += v * v, ++n;
    }
  const double mean = sum / double(n);
  return std::sqrt(squares / double(n) - mean * mean) / mean;
}

// n4-bias-correction on one slice: a smooth multiplicative bias across the slice (0.74 to 1.35,
// exp of a ramp along x plus a bump) on positive intensities (HU + 1100) is corrected: the soft
// tissue, one value on the clean phantom, varies far less afterwards.
TEST(OneSlice, N4CorrectsTheBiasOfTheSlice) {
  PhantomSpec spec;
  spec.size = {128, 128, 1};
  spec.spacing = {1.6, 1.6, 2.5};
  spec.noiseSigma = 0;
  const Phantom clean = makeBodyPhantom(spec);
  auto biased = ImageF::New();
  biased->CopyInformation(clean.image);
  biased->SetRegions(clean.image->GetLargestPossibleRegion());
  biased->Allocate();
  itk::ImageRegionConstIteratorWithIndex<ImageF> it(clean.image, clean.image->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it) {
    const double u = it.GetIndex()[0] / 127.0 - 0.5, v = it.GetIndex()[1] / 127.0 - 0.5;
    const double bias = std::exp(0.6 * u + 0.3 * std::exp(-8 * (u * u + v * v)) - 0.1);
    biased->SetPixel(it.GetIndex(), float((it.Get() + 1100) * bias));
  }
  const auto out =
      runStage(findStage("n4-bias-correction"), {{"image", {biased, nullptr, nullptr}}, {"mask", {nullptr, clean.labels, nullptr}}}, {})
          .image;
  ASSERT_EQ(out->GetLargestPossibleRegion().GetSize()[2], 1u);
  const double before = softTissueVariation(clean, *biased), after = softTissueVariation(clean, *out);
  std::printf("[ note ] n4 on one slice: soft tissue varies %.2f%% before, %.2f%% after\n", 100 * before, 100 * after);
  EXPECT_GT(before, 0.1);
  EXPECT_LT(after, before / 4);
}

// patch-based-denoising on one slice: the 2D non-local means of the slice (patches and search box
// inside it) removes most of the noise.
TEST(OneSlice, PatchBasedDenoisingDenoisesTheSlice) {
  PhantomSpec spec;
  spec.size = {96, 96, 1};
  spec.spacing = {1.6, 1.6, 2.5};
  spec.noiseSigma = 0;
  const Phantom clean = makeBodyPhantom(spec);
  spec.noiseSigma = 60;
  const Phantom noisy = makeBodyPhantom(spec);
  const double before = softTissueRms(clean, *noisy.image, *clean.image);
  for (const std::string implementation : {"fast"}) {
    const auto out = runStage(findStage("patch-based-denoising"), {{"image", {noisy.image, nullptr, nullptr}}},
                              {{"implementation", implementation}})
                         .image;
    ASSERT_EQ(out->GetLargestPossibleRegion().GetSize()[2], 1u);
    const double after = softTissueRms(clean, *out, *clean.image);
    std::printf("[ note ] patch-based-denoising (%s) on one slice: soft tissue RMS error %.1f -> %.1f HU\n",
                implementation.c_str(), before, after);
    EXPECT_LT(after, before * 0.7) << implementation;
  }
}

}  // namespace
}  // namespace medpipe
