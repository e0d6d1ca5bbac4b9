#include "stage_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"

namespace medpipe::test {

namespace {
Phantom noisyPhantom(std::array<unsigned, 3> size, std::array<double, 3> spacing) {
  PhantomSpec spec;
  spec.size = size;
  spec.spacing = spacing;
  spec.noiseSigma = 20;
  return makeBodyPhantom(spec);
}
}  // namespace

const Phantom& segmentPhantom() {
  static const Phantom p = noisyPhantom({96, 96, 24}, {2.2, 2.2, 7.0});
  return p;
}

const Phantom& finerSegmentPhantom() {
  static const Phantom p = noisyPhantom({128, 128, 32}, {1.6, 1.6, 2.5});
  return p;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

double interiorPsnr(const Phantom& clean, const ImageF& test) {
  const auto size = clean.labels->GetLargestPossibleRegion().GetSize();
  double sum = 0;
  size_t n = 0;
  for (long z = 1; z + 1 < long(size[2]); ++z)
    for (long y = 2; y + 2 < long(size[1]); ++y)
      for (long x = 2; x + 2 < long(size[0]); ++x) {
        const auto label = clean.labels->GetPixel({{x, y, z}});
        bool interior = true;
        for (long dz = -1; dz <= 1 && interior; ++dz)
          for (long dy = -2; dy <= 2 && interior; ++dy)
            for (long dx = -2; dx <= 2 && interior; ++dx)
              interior = clean.labels->GetPixel({{x + dx, y + dy, z + dz}}) == label;
        if (!interior) continue;
        sum += std::pow(double(clean.image->GetPixel({{x, y, z}})) - test.GetPixel({{x, y, z}}), 2);
        ++n;
      }
  const double range = 1700;  // -1000 .. 700 HU
  return 10 * std::log10(range * range / (sum / n));
}

double maxDifference(const ImageF& a, const ImageF& b) {
  const size_t n = a.GetPixelContainer()->Size();
  EXPECT_EQ(n, b.GetPixelContainer()->Size());
  double largest = 0;
  for (size_t i = 0; i < n && i < b.GetPixelContainer()->Size(); ++i)
    largest = std::max(largest, double(std::abs(a.GetBufferPointer()[i] - b.GetBufferPointer()[i])));
  return largest;
}

double fastVersusItk(const std::string& stage, const ImageF::Pointer& image,
                     const std::map<std::string, ParameterValue>& parameters) {
  const StageInputs in{{"image", {image, nullptr, nullptr}}};
  auto withItk = parameters;
  withItk["implementation"] = std::string("itk");
  const auto fast = runStage(findStage(stage), in, parameters).image;
  const auto itk = runStage(findStage(stage), in, withItk).image;
  EXPECT_EQ(fast->GetSpacing(), image->GetSpacing());
  EXPECT_EQ(fast->GetOrigin(), image->GetOrigin());
  EXPECT_EQ(fast->GetDirection(), image->GetDirection());
  return maxDifference(*fast, *itk);
}

LabelImage::Pointer oneMarkerPerStructure(const LabelImage& labels) {
  auto markers = LabelImage::New();
  markers->CopyInformation(&labels);
  markers->SetRegions(labels.GetLargestPossibleRegion());
  markers->Allocate();
  markers->FillBuffer(0);
  const std::vector<std::pair<std::array<double, 3>, PhantomLabel>> seeds = {
      {{-100, -100, 0}, kAir}, {{0, -50, 0}, kSoftTissue}, {{-38, -2, 0}, kLung},
      {{38, -2, 0}, kLung},    {{0, 45, 0}, kBone},        {{70, -5, 0}, kBone}};
  for (const auto& [mm, label] : seeds) {
    LabelImage::IndexType index;
    EXPECT_TRUE(markers->TransformPhysicalPointToIndex(LabelImage::PointType(mm.data()), index));
    EXPECT_EQ(labels.GetPixel(index), label);
    markers->SetPixel(index, std::uint8_t(label + 1));
  }
  return markers;
}

}  // namespace medpipe::test
