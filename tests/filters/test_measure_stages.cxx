// label-statistics on a tiny hand-made image whose every number is worked out by hand, and on the
// phantom against its analytic lung volume.
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include <array>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {

using test::errorOf;
using test::interiorPsnr;
namespace {

constexpr double kPi = 3.14159265358979323846;

// 4x3x2 voxels of 2 x 1 x 0.5 mm (1 mm³ = 0.001 mL each) at origin (10, -5, 3); the value of
// voxel (x, y, z) is x + 10 y + 100 z.
ImageF::DirectionType identity() {
  ImageF::DirectionType direction;
  direction.SetIdentity();
  return direction;
}

struct TinyCase {
  ImageF::Pointer image = ImageF::New();
  LabelImage::Pointer labels = LabelImage::New();

  explicit TinyCase(const ImageF::DirectionType& direction = identity()) {
    const ImageF::SizeType size{{4, 3, 2}};
    const double spacing[3] = {2, 1, 0.5}, origin[3] = {10, -5, 3};
    for (itk::ImageBase<3>* grid : {static_cast<itk::ImageBase<3>*>(image), static_cast<itk::ImageBase<3>*>(labels)}) {
      grid->SetRegions(size);
      grid->SetSpacing(spacing);
      grid->SetOrigin(origin);
      grid->SetDirection(direction);
    }
    image->Allocate();
    labels->Allocate();
    labels->FillBuffer(0);
    for (long z = 0; z < 2; ++z)
      for (long y = 0; y < 3; ++y)
        for (long x = 0; x < 4; ++x) image->SetPixel({{x, y, z}}, float(x + 10 * y + 100 * z));
    // label 1: a 2x2 square in slice 0, values 0, 1, 10, 11
    for (long y = 0; y < 2; ++y)
      for (long x = 0; x < 2; ++x) labels->SetPixel({{x, y, 0}}, 1);
    // label 2: three voxels in slice 1, values 102, 103, 122
    labels->SetPixel({{2, 0, 1}}, 2);
    labels->SetPixel({{3, 0, 1}}, 2);
    labels->SetPixel({{2, 2, 1}}, 2);
    // label 7: one voxel, value 123
    labels->SetPixel({{3, 2, 1}}, 7);
  }

  std::shared_ptr<const LabelTable> measure() const {
    return runStage(findStage("label-statistics"),
                    {{"image", {image, nullptr, nullptr}}, {"labels", {nullptr, labels, nullptr}}}, {})
        .table;
  }
};

}  // namespace

TEST(MeasureStages, LabelStatisticsOfAHandMadeImage) {
  const auto table = TinyCase().measure();
  ASSERT_TRUE(table);
  const std::vector<std::string> columns = {"label",   "voxels",  "volume-ml", "mean",    "std",     "min",
                                            "max",     "bbox-x0", "bbox-y0",   "bbox-z0", "bbox-x1", "bbox-y1",
                                            "bbox-z1", "centroid-x", "centroid-y", "centroid-z"};
  EXPECT_EQ(table->columns, columns);
  ASSERT_EQ(table->rows.size(), 3u);  // label 0 is not measured

  // label 1: mean 5.5; squared deviations 30.25 + 20.25 + 20.25 + 30.25 = 101 over n - 1 = 3;
  // centroid at index (0.5, 0.5, 0) = (10 + 0.5 x 2, -5 + 0.5 x 1, 3) mm.
  EXPECT_EQ(table->at(0, "label"), 1);
  EXPECT_EQ(table->at(0, "voxels"), 4);
  EXPECT_DOUBLE_EQ(table->at(0, "volume-ml"), 0.004);
  EXPECT_DOUBLE_EQ(table->at(0, "mean"), 5.5);
  EXPECT_DOUBLE_EQ(table->at(0, "std"), std::sqrt(101.0 / 3));
  EXPECT_EQ(table->at(0, "min"), 0);
  EXPECT_EQ(table->at(0, "max"), 11);
  const double box1[6] = {0, 0, 0, 1, 1, 0};
  const char* boxColumns[6] = {"bbox-x0", "bbox-y0", "bbox-z0", "bbox-x1", "bbox-y1", "bbox-z1"};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(table->at(0, boxColumns[i]), box1[i]) << boxColumns[i];
  EXPECT_DOUBLE_EQ(table->at(0, "centroid-x"), 11);
  EXPECT_DOUBLE_EQ(table->at(0, "centroid-y"), -4.5);
  EXPECT_DOUBLE_EQ(table->at(0, "centroid-z"), 3);

  // label 2: mean 109; deviations -7, -6, 13 give 254 over n - 1 = 2; centroid index (7/3, 2/3, 1).
  EXPECT_EQ(table->at(1, "label"), 2);
  EXPECT_EQ(table->at(1, "voxels"), 3);
  EXPECT_DOUBLE_EQ(table->at(1, "volume-ml"), 0.003);
  EXPECT_DOUBLE_EQ(table->at(1, "mean"), 109);
  EXPECT_DOUBLE_EQ(table->at(1, "std"), std::sqrt(127.0));
  EXPECT_EQ(table->at(1, "min"), 102);
  EXPECT_EQ(table->at(1, "max"), 122);
  const double box2[6] = {2, 0, 1, 3, 2, 1};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(table->at(1, boxColumns[i]), box2[i]) << boxColumns[i];
  EXPECT_NEAR(table->at(1, "centroid-x"), 10 + 2 * 7.0 / 3, 1e-12);
  EXPECT_NEAR(table->at(1, "centroid-y"), -5 + 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(table->at(1, "centroid-z"), 3.5);

  // label 7: a single voxel has std 0 (the sample std is undefined for n = 1).
  EXPECT_EQ(table->at(2, "label"), 7);
  EXPECT_EQ(table->at(2, "voxels"), 1);
  EXPECT_DOUBLE_EQ(table->at(2, "volume-ml"), 0.001);
  EXPECT_EQ(table->at(2, "mean"), 123);
  EXPECT_EQ(table->at(2, "std"), 0);
  EXPECT_EQ(table->at(2, "min"), 123);
  EXPECT_EQ(table->at(2, "max"), 123);
  EXPECT_DOUBLE_EQ(table->at(2, "centroid-x"), 16);
  EXPECT_DOUBLE_EQ(table->at(2, "centroid-y"), -3);
  EXPECT_DOUBLE_EQ(table->at(2, "centroid-z"), 3.5);
}

TEST(MeasureStages, LabelStatisticsCentroidFollowsTheDirectionMatrix) {
  // x runs towards -x in space: index 0.5 lies 1 mm on the other side of the origin. The bounding
  // box stays in voxel indices.
  auto flipX = identity();
  flipX(0, 0) = -1;
  const auto table = TinyCase(flipX).measure();
  EXPECT_DOUBLE_EQ(table->at(0, "centroid-x"), 9);
  EXPECT_DOUBLE_EQ(table->at(0, "centroid-y"), -4.5);
  EXPECT_EQ(table->at(0, "bbox-x1"), 1);
  EXPECT_DOUBLE_EQ(table->at(2, "centroid-x"), 4);
  EXPECT_DOUBLE_EQ(table->at(0, "volume-ml"), 0.004);
}

TEST(MeasureStages, LabelStatisticsVolumeOfAShearedGridUsesTheTrueVoxelVolume) {
  // A gantry-tilted series: slices step along (0, sin 30°, cos 30°), so each voxel is a
  // parallelepiped of 2 x 1 x 0.5 x cos 30° mm³.
  auto tilted = identity();
  tilted(1, 2) = 0.5;
  tilted(2, 2) = std::sqrt(3.0) / 2;
  const auto table = TinyCase(tilted).measure();
  EXPECT_NEAR(table->at(0, "volume-ml"), 0.004 * std::sqrt(3.0) / 2, 1e-15);
  // Label 7 sits at index (3, 2, 1): y = -5 + 2 + 0.5 x 0.5, z = 3 + 0.5 x cos 30°.
  EXPECT_DOUBLE_EQ(table->at(2, "centroid-y"), -2.75);
  EXPECT_DOUBLE_EQ(table->at(2, "centroid-z"), 3 + 0.25 * std::sqrt(3.0));
}

TEST(MeasureStages, LabelStatisticsOfThePhantomLungsMatchTheEllipsoids) {
  PhantomSpec spec;
  spec.size = {96, 96, 24};
  spec.spacing = {2.2, 2.2, 7.0};
  spec.noiseSigma = 20;
  const Phantom phantom = makeBodyPhantom(spec);
  const StageInputs inputs = {{"image", {phantom.image, nullptr, nullptr}},
                              {"labels", {nullptr, phantom.labels, nullptr}}};
  const auto table = runStage(findStage("label-statistics"), inputs, {}).table;
  ASSERT_EQ(table->rows.size(), 3u);  // tissue, lung, bone
  ASSERT_EQ(table->at(1, "label"), kLung);
  // Two ellipsoids of semi-axes 26, 36, 60 mm.
  const double lungsMl = 2 * 4.0 / 3 * kPi * 26 * 36 * 60 / 1000;
  const double volume = table->at(1, "volume-ml");
  RecordProperty("lung-volume-ml", std::to_string(volume) + " of " + std::to_string(lungsMl));
  EXPECT_NEAR(volume, lungsMl, 0.01 * lungsMl);
  EXPECT_NEAR(table->at(1, "mean"), -850, 1);
  EXPECT_NEAR(table->at(1, "std"), 20, 1);
  // Left and right lungs are mirror images about x = 0, centred on y = -2 mm, z = 0.
  EXPECT_NEAR(table->at(1, "centroid-x"), 0, 0.5);
  EXPECT_NEAR(table->at(1, "centroid-y"), -2, 0.5);
  EXPECT_NEAR(table->at(1, "centroid-z"), 0, 0.5);
}

TEST(MeasureStages, LabelStatisticsCentroidsOfScatteredLabelsMatchAPlainSum) {
  // Rows wider than 8 voxels with labels at every offset, so the pass that skips 8 background
  // voxels at a time and the split over threads are both exercised; the sums are checked one by one.
  auto image = ImageF::New();
  auto labels = LabelImage::New();
  const ImageF::RegionType region(ImageF::SizeType{{37, 23, 11}});
  image->SetRegions(region), image->Allocate(), image->FillBuffer(5.0f);
  labels->SetRegions(region), labels->Allocate(), labels->FillBuffer(0);
  std::vector<std::array<double, 4>> expected(4, {0, 0, 0, 0});  // count, sum x, y, z per label
  unsigned state = 12345;
  for (long z = 0; z < 11; ++z)
    for (long y = 0; y < 23; ++y)
      for (long x = 0; x < 37; ++x) {
        state = state * 1103515245u + 12345u;
        if ((state >> 16) % 10 != 0) continue;  // about 10 % labelled
        const unsigned label = 1 + (state >> 8) % 3;
        labels->SetPixel({{x, y, z}}, static_cast<LabelImage::PixelType>(label));
        expected[label][0] += 1, expected[label][1] += x, expected[label][2] += y, expected[label][3] += z;
      }
  const auto table = runStage(findStage("label-statistics"),
                              {{"image", {image, nullptr, nullptr}}, {"labels", {nullptr, labels, nullptr}}}, {})
                         .table;
  ASSERT_EQ(table->rows.size(), 3u);
  for (size_t row = 0; row < 3; ++row) {
    const auto label = static_cast<size_t>(table->at(row, "label"));
    EXPECT_EQ(table->at(row, "voxels"), expected[label][0]);
    EXPECT_DOUBLE_EQ(table->at(row, "centroid-x"), expected[label][1] / expected[label][0]) << "label " << label;
    EXPECT_DOUBLE_EQ(table->at(row, "centroid-y"), expected[label][2] / expected[label][0]) << "label " << label;
    EXPECT_DOUBLE_EQ(table->at(row, "centroid-z"), expected[label][3] / expected[label][0]) << "label " << label;
  }
}

TEST(MeasureStages, LabelStatisticsRefusesLabelsOffTheImageGrid) {
  TinyCase tiny;
  auto other = LabelImage::New();
  other->SetRegions(LabelImage::SizeType{{4, 3, 3}});
  other->Allocate();
  other->FillBuffer(1);
  EXPECT_EQ(errorOf([&] {
              runStage(findStage("label-statistics"),
                       {{"image", {tiny.image, nullptr, nullptr}}, {"labels", {nullptr, other, nullptr}}}, {});
            }),
            "label-statistics: input 'labels' is 4x3x3 voxels, the image 4x3x2");
  EXPECT_EQ(errorOf([&] {
              runStage(findStage("label-statistics"),
                       {{"image", {tiny.image, nullptr, nullptr}}, {"labels", {tiny.image, nullptr, nullptr}}}, {});
            }),
            "label-statistics: input 'labels' must be labels, got image");
}

TEST(MeasureStages, LabelStatisticsDeclaresItself) {
  const StageSpec& spec = findStage("label-statistics").spec();
  EXPECT_EQ(spec.category, StageCategory::Measure);
  EXPECT_EQ(spec.output, DataKind::Table);
  EXPECT_NE(spec.summary.find("sample std"), std::string::npos);
}

}  // namespace medpipe
