// medpipe's binary morphology (`implementation: fast`, the default) against ITK's filters
// (`implementation: itk`): the same voxels, for all four stages, on label maps with two labels
// touching the image's faces, isotropic and anisotropic balls, and either label as the foreground.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

using Parameters = std::map<std::string, ParameterValue>;

// Balls of labels 1 and 2 at random places (some cut by the faces), with single-voxel specks and
// one-voxel holes: every case of erosion, dilation and the border rules at once.
LabelImage::Pointer blobs(const LabelImage::SizeType& size, const LabelImage::SpacingType& spacing, unsigned seed) {
  auto labels = LabelImage::New();
  labels->SetRegions(LabelImage::RegionType(size));
  labels->SetSpacing(spacing);
  labels->Allocate(true);
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  auto* v = labels->GetBufferPointer();
  for (int blob = 0; blob < 14; ++blob) {
    const double cx = unit(random) * double(size[0]), cy = unit(random) * double(size[1]),
                 cz = unit(random) * double(size[2]);
    const double radius = 2 + unit(random) * 6;  // mm
    const std::uint8_t label = blob % 3 == 0 ? 2 : 1;
    for (size_t z = 0; z < size[2]; ++z)
      for (size_t y = 0; y < size[1]; ++y)
        for (size_t x = 0; x < size[0]; ++x) {
          const double dx = (double(x) - cx) * spacing[0], dy = (double(y) - cy) * spacing[1],
                       dz = (double(z) - cz) * spacing[2];
          if (dx * dx + dy * dy + dz * dz <= radius * radius) v[(z * size[1] + y) * size[0] + x] = label;
        }
  }
  const size_t n = labels->GetLargestPossibleRegion().GetNumberOfPixels();
  std::uniform_int_distribution<size_t> anywhere(0, n - 1);
  for (int speck = 0; speck < 60; ++speck) v[anywhere(random)] = std::uint8_t(speck % 3);
  return labels;
}

size_t differingVoxels(const LabelImage& a, const LabelImage& b) {
  const size_t n = a.GetLargestPossibleRegion().GetNumberOfPixels();
  size_t differ = 0;
  for (size_t i = 0; i < n; ++i) differ += a.GetBufferPointer()[i] != b.GetBufferPointer()[i];
  return differ;
}

LabelImage::Pointer run(const std::string& stage, const LabelImage::Pointer& labels, double radius, long foreground,
                        const std::string& implementation) {
  const Parameters parameters{
      {"radius", radius}, {"foreground-value", foreground}, {"implementation", implementation}};
  return runStage(findStage(stage), {{"labels", StageData{nullptr, labels, nullptr}}}, parameters).labels;
}

struct Grid {
  LabelImage::SizeType size;
  LabelImage::SpacingType spacing;
};

TEST(FastMorphology, TheSameVoxelsAsItksFilters) {
  LabelImage::SpacingType iso, ct;
  iso.Fill(1.0);
  ct[0] = 0.8, ct[1] = 0.7, ct[2] = 2.5;
  const Grid grids[] = {{{{40, 36, 30}}, iso}, {{{64, 56, 16}}, ct}};
  unsigned seed = 1;
  for (const Grid& grid : grids) {
    const auto labels = blobs(grid.size, grid.spacing, seed++);
    for (const double radius : {0.5, 1.0, 2.0, 3.5})
      for (const long foreground : {1L, 2L})
        for (const std::string stage : {"erode", "dilate", "open", "close"}) {
          const auto fast = run(stage, labels, radius, foreground, "fast");
          const auto itk = run(stage, labels, radius, foreground, "itk");
          EXPECT_EQ(differingVoxels(*fast, *itk), 0u)
              << stage << " radius " << radius << " mm, foreground " << foreground << ", spacing " << grid.spacing;
          EXPECT_EQ(fast->GetSpacing(), labels->GetSpacing());
        }
  }
}

}  // namespace
}  // namespace medpipe
