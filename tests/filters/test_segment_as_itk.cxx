// Stages that compute an ITK segmentation themselves, so that they can be cancelled within it
// (otsu-threshold, multi-otsu-threshold, confidence-connected), give the voxels and thresholds of
// the ITK filter they replace, run here beside them with the same parameters.
#include <gtest/gtest.h>

#include <itkConfidenceConnectedImageFilter.h>
#include <itkOtsuMultipleThresholdsImageFilter.h>
#include <itkOtsuThresholdImageFilter.h>
#include <itkImageToHistogramFilter.h>
#include <itkScalarImageToHistogramGenerator.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "medpipe/filters/otsu_thresholds.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"
#include "stage_test_support.h"

namespace medpipe {
namespace {

using Parameters = std::map<std::string, ParameterValue>;

// The phantom's whole-number HU with a fraction added to each voxel, so that sums of intensities
// round and bin edges fall between values as they do on a real, resampled or smoothed image.
ImageF::Pointer withFractions(const ImageF& image) {
  auto out = ImageF::New();
  out->CopyInformation(&image);
  out->SetRegions(image.GetLargestPossibleRegion());
  out->Allocate();
  const size_t n = image.GetLargestPossibleRegion().GetNumberOfPixels();
  for (size_t i = 0; i < n; ++i)
    out->GetBufferPointer()[i] = image.GetBufferPointer()[i] + float((i * 2654435761u) % 1000) / 997.0f;
  return out;
}

// Every voxel the same value: ITK's bins then have no width.
ImageF::Pointer constantImage(float value) {
  auto image = ImageF::New();
  image->SetRegions(ImageF::SizeType{{16, 16, 4}});
  image->Allocate();
  image->FillBuffer(value);
  return image;
}

// A ramp from `min` to `max` (both included) with extremes chosen so that ITK's two histogram
// builders, which put the top of the histogram a hundredth of a bin above `max` but subtract the
// extremes for it one in double, the other in float, give `bins` bins of different (float) widths.
ImageF::Pointer rampWhoseBuildersDisagree(unsigned bins) {
  const float min = -1000.3f;
  float max = 1000.0f;
  auto binWidth = [&](double top) { return (float(top) - min) / float(bins); };
  for (;; max = std::nextafter(max, 2000.0f)) {
    const double inDouble = double(max) + (double(max) - double(min)) / bins / 100;
    const double inFloat = double(max) + double(max - min) / bins / 100;
    if (binWidth(inDouble) != binWidth(inFloat)) break;
    if (max > 1001) {
      ADD_FAILURE() << "no such extremes for " << bins << " bins";
      break;
    }
  }
  auto image = ImageF::New();
  image->SetRegions(ImageF::SizeType{{16, 16, 4}});
  image->Allocate();
  const size_t n = image->GetLargestPossibleRegion().GetNumberOfPixels();
  for (size_t i = 0; i < n; ++i) image->GetBufferPointer()[i] = min + (max - min) * float(i * i) / float((n - 1) * (n - 1));
  image->GetBufferPointer()[n - 1] = max;
  return image;
}

struct TestImage {
  std::string name;
  ImageF::Pointer image;
};

std::vector<TestImage> otsuImages() {
  return {{"segment phantom", test::segmentPhantom().image},
          {"finer phantom", test::finerSegmentPhantom().image},
          {"segment phantom with fractions", withFractions(*test::segmentPhantom().image)},
          {"constant image", constantImage(40)},
          {"ramp whose two ITK histograms differ in 2 bins", rampWhoseBuildersDisagree(2)},
          {"ramp whose two ITK histograms differ in 4 bins", rampWhoseBuildersDisagree(4)}};
}

size_t differingVoxels(const LabelImage& a, const LabelImage& b) {
  EXPECT_EQ(a.GetLargestPossibleRegion(), b.GetLargestPossibleRegion());
  const size_t n = a.GetLargestPossibleRegion().GetNumberOfPixels();
  size_t differing = 0;
  for (size_t i = 0; i < n; ++i) differing += a.GetBufferPointer()[i] != b.GetBufferPointer()[i];
  return differing;
}

size_t voxelsOf(const LabelImage& labels, std::uint8_t value) {
  const size_t n = labels.GetLargestPossibleRegion().GetNumberOfPixels();
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += labels.GetBufferPointer()[i] == value;
  return count;
}

LabelImage::Pointer runOn(const ImageF::Pointer& image, const std::string& stage, const Parameters& parameters) {
  return runStage(findStage(stage), {{"image", {image, nullptr, nullptr}}}, parameters).labels;
}

// --- otsu-threshold and multi-otsu-threshold ---------------------------------------------------------

// The threshold and the voxels of itk::OtsuThresholdImageFilter (inside 0, outside 1, as the stage
// ran it), for bin counts from the smallest allowed to the largest.
TEST(SegmentAsItk, OtsuThresholdGivesItksThresholdAndVoxels) {
  for (const auto& test : otsuImages())
    for (const long bins : {2L, 7L, 128L, 1000L, 4096L}) {
      SCOPED_TRACE(test.name + ", " + std::to_string(bins) + " bins");
      auto itk = itk::OtsuThresholdImageFilter<ImageF, LabelImage>::New();
      itk->SetInput(test.image);
      itk->SetNumberOfHistogramBins(unsigned(bins));
      itk->SetInsideValue(0);
      itk->SetOutsideValue(1);
      itk->Update();
      EXPECT_EQ(otsuThreshold(*test.image, unsigned(bins)), itk->GetThreshold());
      const auto labels = runOn(test.image, "otsu-threshold", {{"bins", bins}});
      EXPECT_EQ(differingVoxels(*labels, *itk->GetOutput()), 0u);
    }
}

// The thresholds and the voxels of itk::OtsuMultipleThresholdsImageFilter (label offset 0), whose
// histogram's upper bound is rounded differently from the single threshold's.
TEST(SegmentAsItk, MultiOtsuThresholdGivesItksThresholdsAndVoxels) {
  struct Setting {
    long classes, bins;
  };
  for (const auto& test : otsuImages())
    for (const Setting s : {Setting{2, 4}, Setting{2, 128}, Setting{3, 128}, Setting{3, 333}, Setting{4, 64},
                            Setting{4, 200}}) {
      SCOPED_TRACE(test.name + ", " + std::to_string(s.classes) + " classes, " + std::to_string(s.bins) + " bins");
      auto itk = itk::OtsuMultipleThresholdsImageFilter<ImageF, LabelImage>::New();
      itk->SetInput(test.image);
      itk->SetNumberOfThresholds(unsigned(s.classes - 1));
      itk->SetNumberOfHistogramBins(unsigned(s.bins));
      itk->SetLabelOffset(0);
      itk->Update();
      EXPECT_EQ(multiOtsuThresholds(*test.image, unsigned(s.classes - 1), unsigned(s.bins)), itk->GetThresholds());
      const auto labels = runOn(test.image, "multi-otsu-threshold", {{"classes", s.classes}, {"bins", s.bins}});
      EXPECT_EQ(differingVoxels(*labels, *itk->GetOutput()), 0u);
    }
}

using Histogram = itk::Statistics::Histogram<double>;

// An image from 0 to 100 whose other voxels lie on the inner bin edges of the histogram `histogramOf`
// makes of it (the extremes, so the bins, stay), or one float below one: on every edge, more of them
// around a quarter and three quarters of the way up, so that moving each voxel on an edge one bin
// down moves Otsu's thresholds. ITK counts a value on an edge in the bin above. (With the lowest value
// 0, every edge is a float.)
ImageF::Pointer onBinEdges(unsigned bins, const std::function<const Histogram*(const ImageF::Pointer&)>& histogramOf) {
  auto image = ImageF::New();
  image->SetRegions(ImageF::SizeType{{32, 32, 4}});
  image->Allocate();
  image->FillBuffer(0);
  float* v = image->GetBufferPointer();
  v[1] = 100;
  const Histogram* histogram = histogramOf(image);
  std::vector<unsigned> edges;  // each inner edge, as often as its voxels should be
  for (unsigned edge = 1; edge < bins; ++edge) {
    const auto near = [&](unsigned centre) { return edge + bins / 8 > centre && edge < centre + bins / 8; };
    edges.insert(edges.end(), 1 + (near(bins / 4) ? 4 : 0) + (near(3 * bins / 4) ? 6 : 0), edge);
  }
  const size_t n = image->GetLargestPossibleRegion().GetNumberOfPixels();
  for (size_t i = 2; i < n; ++i) {
    const unsigned edge = edges[i % edges.size()];
    v[i] = float(histogram->GetBinMin(0, edge));
    EXPECT_EQ(double(v[i]), histogram->GetBinMin(0, edge)) << "edge " << edge << " is not a float";
    if (i % 3 == 0) v[i] = std::nextafter(v[i], -std::numeric_limits<float>::infinity());
  }
  return image;
}

// Voxels on the bin edges of ITK's own histograms (ImageToHistogramFilter's for otsu-threshold,
// ScalarImageToHistogramGenerator's for multi-otsu-threshold) give ITK's thresholds and voxels.
TEST(SegmentAsItk, OtsuStagesCountAValueOnABinEdgeInTheBinAboveAsItk) {
  for (const unsigned bins : {16u, 128u}) {
    SCOPED_TRACE(std::to_string(bins) + " bins");
    auto imageHistogram = itk::Statistics::ImageToHistogramFilter<ImageF>::New();
    const auto forOtsu = onBinEdges(bins, [&](const ImageF::Pointer& image) {
      imageHistogram->SetInput(image);
      itk::Statistics::ImageToHistogramFilter<ImageF>::HistogramSizeType size(1);
      size.Fill(bins);
      imageHistogram->SetHistogramSize(size);
      imageHistogram->Update();
      return imageHistogram->GetOutput();
    });
    auto otsu = itk::OtsuThresholdImageFilter<ImageF, LabelImage>::New();
    otsu->SetInput(forOtsu);
    otsu->SetNumberOfHistogramBins(bins);
    otsu->SetInsideValue(0);
    otsu->SetOutsideValue(1);
    otsu->Update();
    EXPECT_EQ(otsuThreshold(*forOtsu, bins), otsu->GetThreshold());
    EXPECT_EQ(differingVoxels(*runOn(forOtsu, "otsu-threshold", {{"bins", long(bins)}}), *otsu->GetOutput()), 0u);

    auto sampleHistogram = itk::Statistics::ScalarImageToHistogramGenerator<ImageF>::New();
    const auto forMultiOtsu = onBinEdges(bins, [&](const ImageF::Pointer& image) {
      sampleHistogram->SetInput(image);
      sampleHistogram->SetNumberOfBins(bins);
      sampleHistogram->Compute();
      return sampleHistogram->GetOutput();
    });
    auto multiOtsu = itk::OtsuMultipleThresholdsImageFilter<ImageF, LabelImage>::New();
    multiOtsu->SetInput(forMultiOtsu);
    multiOtsu->SetNumberOfThresholds(2);
    multiOtsu->SetNumberOfHistogramBins(bins);
    multiOtsu->SetLabelOffset(0);
    multiOtsu->Update();
    EXPECT_EQ(multiOtsuThresholds(*forMultiOtsu, 2, bins), multiOtsu->GetThresholds());
    EXPECT_EQ(differingVoxels(*runOn(forMultiOtsu, "multi-otsu-threshold", {{"classes", 3L}, {"bins", long(bins)}}),
                              *multiOtsu->GetOutput()),
              0u);
  }
}

// --- confidence-connected ----------------------------------------------------------------------------

struct ConfidenceCase {
  std::string name;
  Points seeds;
  double multiplier;
  long iterations, radius;
};

// Seeds in the lungs (in mm and as voxels), the soft tissue, the air outside and the spine; one given
// twice (ITK then counts it twice); one on the image's corner, where ITK's seed box repeats the edge
// voxels; windows from none (from the lowest seed's value to the highest's) to wide, re-estimated from
// 0 to 6 times.
std::vector<ConfidenceCase> confidenceCases() {
  const Points lungs{{{-38, -2, 0}, {38, -2, 0}}};
  const Points rightLungTwice{{{30, 47, 12}, {30, 47, 12}}, true};
  const Points softTissue{{{48, 20, 12}}, true};
  const Points airCorner{{{0, 0, 0}}, true};
  const Points spine{{{48, 68, 12}}, true};
  const Points lungAndTissue{{{30, 47, 12}, {48, 20, 12}}, true};
  return {{"both lungs, stage defaults", lungs, 2.5, 4, 1},
          {"both lungs, as test_segment_stages", lungs, 3.0, 3, 1},
          {"both lungs, seed statistics only", lungs, 2.5, 0, 1},
          {"both lungs, seed voxels alone", lungs, 2.5, 2, 0},
          {"both lungs, wide box, many passes", lungs, 2.0, 6, 2},
          {"right lung seed twice", rightLungTwice, 2.5, 4, 1},
          {"right lung seed twice, seed voxels alone", rightLungTwice, 2.5, 1, 0},
          {"soft tissue, narrow", softTissue, 1.0, 4, 1},
          {"soft tissue, no window", softTissue, 0.0, 3, 1},
          {"air from the corner", airCorner, 2.5, 4, 1},
          {"air from the corner, wide box", airCorner, 3.0, 2, 3},
          {"spine", spine, 2.5, 4, 1},
          {"lung and tissue together", lungAndTissue, 2.5, 4, 1},
          {"lung and tissue, no window", lungAndTissue, 0.0, 2, 1}};
}

LabelImage::Pointer itkConfidenceConnected(const ImageF::Pointer& image, const ConfidenceCase& c) {
  auto itk = itk::ConfidenceConnectedImageFilter<ImageF, LabelImage>::New();
  itk->SetInput(image);
  for (const auto& p : c.seeds.points) {
    ImageF::IndexType index;
    if (c.seeds.voxelIndices) {
      for (unsigned d = 0; d < 3; ++d) index[d] = itk::IndexValueType(p[d]);
    } else {
      image->TransformPhysicalPointToIndex(ImageF::PointType(p.data()), index);
    }
    itk->AddSeed(index);
  }
  itk->SetMultiplier(c.multiplier);
  itk->SetNumberOfIterations(unsigned(c.iterations));
  itk->SetInitialNeighborhoodRadius(unsigned(c.radius));
  itk->SetReplaceValue(1);
  itk->Update();
  return itk->GetOutput();
}

// The voxels of itk::ConfidenceConnectedImageFilter; each case grows something short of the whole
// image (the comparison would be empty otherwise), but one.
TEST(SegmentAsItk, ConfidenceConnectedGivesItksVoxels) {
  for (const auto& image : {test::segmentPhantom().image, withFractions(*test::segmentPhantom().image)})
    for (const auto& c : confidenceCases()) {
      SCOPED_TRACE(c.name + (image == test::segmentPhantom().image ? "" : ", with fractions"));
      const auto expected = itkConfidenceConnected(image, c);
      const auto labels =
          runOn(image, "confidence-connected",
                {{"seeds", c.seeds}, {"multiplier", c.multiplier}, {"iterations", c.iterations},
                 {"initial-radius", c.radius}});
      EXPECT_EQ(differingVoxels(*labels, *expected), 0u);
      const size_t grown = voxelsOf(*expected, 1);
      // From one seed with no window, on the image with fractions, ITK grows the seed alone; that
      // region's variance is 0/0 and the next window NaN, which holds nothing.
      if (c.multiplier == 0 && c.seeds.points.size() == 1 && image != test::segmentPhantom().image)
        EXPECT_EQ(grown, 0u);
      else
        EXPECT_GT(grown, 0u);
      EXPECT_LT(grown, expected->GetLargestPossibleRegion().GetNumberOfPixels());
    }
}

}  // namespace
}  // namespace medpipe
