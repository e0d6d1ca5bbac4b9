// Segmentation stages against the phantom's ground truth (Dice), morphology and components on tiny
// hand-made label maps with exact voxel counts, and the errors a user can hit.
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe {

using test::errorOf;
using test::interiorPsnr;
namespace {

using Parameters = std::map<std::string, ParameterValue>;
using VoxelTest = std::function<bool(std::uint8_t label, const LabelImage::IndexType& index)>;

// Small enough that every stage runs in well under a second, fine enough for Dice to mean something.
const Phantom& phantom() { return test::segmentPhantom(); }

StageData imageData(const ImageF::Pointer& image) { return {image, nullptr, nullptr}; }
StageData labelData(const LabelImage::Pointer& labels) { return {nullptr, labels, nullptr}; }

LabelImage::Pointer segment(const std::string& stage, const Parameters& parameters) {
  return runStage(findStage(stage), {{"image", imageData(phantom().image)}}, parameters).labels;
}

LabelImage::Pointer onLabels(const std::string& stage, const LabelImage::Pointer& labels,
                             const Parameters& parameters) {
  return runStage(findStage(stage), {{"labels", labelData(labels)}}, parameters).labels;
}

std::vector<bool> select(const LabelImage& labels, const VoxelTest& test) {
  std::vector<bool> selected;
  const auto region = labels.GetLargestPossibleRegion();
  const auto size = region.GetSize();
  for (long z = 0; z < long(size[2]); ++z)
    for (long y = 0; y < long(size[1]); ++y)
      for (long x = 0; x < long(size[0]); ++x) {
        const LabelImage::IndexType index{{x, y, z}};
        selected.push_back(test(labels.GetPixel(index), index));
      }
  return selected;
}

double dice(const std::vector<bool>& a, const std::vector<bool>& b) {
  size_t both = 0, inA = 0, inB = 0;
  for (size_t i = 0; i < a.size(); ++i) both += a[i] && b[i], inA += a[i], inB += b[i];
  return inA + inB == 0 ? 1.0 : 2.0 * double(both) / double(inA + inB);
}

VoxelTest labelIs(std::set<std::uint8_t> labels) {
  return [labels](std::uint8_t label, const LabelImage::IndexType&) { return labels.count(label) > 0; };
}

// The phantom is centred on the origin, so x < 0 (patient's right in LPS) is the lower half of columns.
VoxelTest rightLung() {
  return [](std::uint8_t label, const LabelImage::IndexType& index) {
    return label == kLung && index[0] < long(phantom().labels->GetLargestPossibleRegion().GetSize(0)) / 2;
  };
}

double diceWithTruth(const LabelImage& result, const VoxelTest& inResult, const VoxelTest& inTruth) {
  return dice(select(result, inResult), select(*phantom().labels, inTruth));
}

size_t countOf(const LabelImage& labels, std::uint8_t value) {
  const auto* begin = labels.GetBufferPointer();
  return size_t(std::count(begin, begin + labels.GetLargestPossibleRegion().GetNumberOfPixels(), value));
}

// A zero label map of `size` voxels with unit spacing unless told otherwise.
LabelImage::Pointer blankLabels(unsigned size, std::array<double, 3> spacing = {1, 1, 1}) {
  auto labels = LabelImage::New();
  labels->SetRegions(LabelImage::SizeType{{size, size, size}});
  labels->SetSpacing(spacing.data());
  labels->Allocate();
  labels->FillBuffer(0);
  return labels;
}

void fillBox(LabelImage& labels, std::array<long, 3> from, std::array<long, 3> to, std::uint8_t value) {
  for (long z = from[2]; z <= to[2]; ++z)
    for (long y = from[1]; y <= to[1]; ++y)
      for (long x = from[0]; x <= to[0]; ++x) labels.SetPixel({{x, y, z}}, value);
}

// A mask (1) of the voxels of `labels` equal to `value`, on the same grid.
LabelImage::Pointer maskOf(const LabelImage& labels, std::uint8_t value) {
  auto mask = LabelImage::New();
  mask->CopyInformation(&labels);
  mask->SetRegions(labels.GetLargestPossibleRegion());
  mask->Allocate();
  const auto* from = labels.GetBufferPointer();
  auto* to = mask->GetBufferPointer();
  for (size_t i = 0; i < labels.GetLargestPossibleRegion().GetNumberOfPixels(); ++i) to[i] = from[i] == value ? 1 : 0;
  return mask;
}

std::uint8_t regionAt(const LabelImage& labels, const std::array<double, 3>& mm) {
  LabelImage::IndexType index;
  labels.TransformPhysicalPointToIndex(LabelImage::PointType(mm.data()), index);
  return labels.GetPixel(index);
}

const Points kLungSeeds{{{-38, -2, 0}, {38, -2, 0}}};

}  // namespace

// --- thresholds --------------------------------------------------------------------------------

TEST(SegmentStages, BinaryThresholdFindsTheBone) {
  const auto bone = segment("binary-threshold", {{"lower", 300.0}, {"upper", 3000.0}, {"inside-value", 7L}});
  const double d = diceWithTruth(*bone, labelIs({7}), labelIs({kBone}));
  RecordProperty("dice", std::to_string(d));
  EXPECT_GE(d, 0.999) << "Dice " << d;
  EXPECT_EQ(countOf(*bone, 7) + countOf(*bone, 0), bone->GetLargestPossibleRegion().GetNumberOfPixels());
}

TEST(SegmentStages, OtsuSeparatesAirAndLungFromTissueAndBone) {
  const auto body = segment("otsu-threshold", {});
  const double d = diceWithTruth(*body, labelIs({1}), labelIs({kSoftTissue, kBone}));
  RecordProperty("dice", std::to_string(d));
  EXPECT_GE(d, 0.999) << "Dice " << d;
}

TEST(SegmentStages, MultiOtsuNumbersClassesFromDarkestToBrightest) {
  // Three classes: air with lung (150 HU apart, the closest pair), soft tissue, bone.
  const auto three = segment("multi-otsu-threshold", {{"classes", 3L}});
  const double dark = diceWithTruth(*three, labelIs({0}), labelIs({kAir, kLung}));
  const double middle = diceWithTruth(*three, labelIs({1}), labelIs({kSoftTissue}));
  const double bright = diceWithTruth(*three, labelIs({2}), labelIs({kBone}));
  RecordProperty("dice", std::to_string(dark) + " " + std::to_string(middle) + " " + std::to_string(bright));
  EXPECT_GE(dark, 0.999) << dark;
  EXPECT_GE(middle, 0.999) << middle;
  EXPECT_GE(bright, 0.999) << bright;

  // Four classes: every tissue on its own, in order of intensity.
  const auto four = segment("multi-otsu-threshold", {{"classes", 4L}});
  std::string measured;
  const std::uint8_t byIntensity[4] = {kAir, kLung, kSoftTissue, kBone};
  for (std::uint8_t c = 0; c < 4; ++c) {
    const double d = diceWithTruth(*four, labelIs({c}), labelIs({byIntensity[c]}));
    measured += std::to_string(d) + " ";
    EXPECT_GE(d, 0.998) << "class " << int(c) << ": Dice " << d;
  }
  RecordProperty("dice-4", measured);
}

// --- region growing ----------------------------------------------------------------------------

TEST(SegmentStages, ConnectedThresholdGrowsEachLungFromItsSeed) {
  const auto lungs = segment("connected-threshold", {{"seeds", kLungSeeds}, {"lower", -950.0}, {"upper", -700.0}});
  const double d = diceWithTruth(*lungs, labelIs({1}), labelIs({kLung}));
  RecordProperty("dice", std::to_string(d));
  EXPECT_GE(d, 0.99) << "Dice " << d;

  // One seed at x = -38 mm (patient's right in LPS) grows the right lung only.
  const auto right =
      segment("connected-threshold", {{"seeds", Points{{{-38, -2, 0}}}}, {"lower", -950.0}, {"upper", -700.0}});
  const double dRight = diceWithTruth(*right, labelIs({1}), rightLung());
  EXPECT_GE(dRight, 0.99) << "Dice " << dRight;
}

TEST(SegmentStages, ConnectedThresholdTakesSeedsAsVoxelIndices) {
  // Voxel (30, 47, 12) is near x = -38 mm, y = -2 mm, z = 0 on this grid.
  const auto right = segment("connected-threshold",
                             {{"seeds", Points{{{30, 47, 12}}, true}}, {"lower", -950.0}, {"upper", -700.0}});
  EXPECT_GE(diceWithTruth(*right, labelIs({1}), rightLung()), 0.99);
}

TEST(SegmentStages, ConfidenceConnectedLearnsTheLungWindowFromTheSeeds) {
  const auto lungs = segment("confidence-connected", {{"seeds", kLungSeeds}, {"multiplier", 3.0}, {"iterations", 3L}});
  const double d = diceWithTruth(*lungs, labelIs({1}), labelIs({kLung}));
  RecordProperty("dice", std::to_string(d));
  EXPECT_GE(d, 0.99) << "Dice " << d;
}

TEST(SegmentStages, NeighborhoodConnectedStopsOneRadiusShortOfTheBoundary) {
  // The whole 3x3x3 neighbourhood must lie in the window, so the region is the lungs less their
  // outer layer of voxels: against the truth eroded by that box it is exact, against the truth
  // itself it loses the boundary.
  const auto lungs = segment("neighborhood-connected",
                             {{"seeds", kLungSeeds}, {"lower", -950.0}, {"upper", -700.0}, {"radius", 1L}});
  const LabelImage& truth = *phantom().labels;
  const auto size = truth.GetLargestPossibleRegion().GetSize();
  const VoxelTest lungInterior = [&](std::uint8_t label, const LabelImage::IndexType& index) {
    if (label != kLung) return false;
    for (unsigned d = 0; d < 3; ++d)
      if (index[d] == 0 || index[d] + 1 == long(size[d])) return false;
    for (long dz = -1; dz <= 1; ++dz)
      for (long dy = -1; dy <= 1; ++dy)
        for (long dx = -1; dx <= 1; ++dx)
          if (truth.GetPixel({{index[0] + dx, index[1] + dy, index[2] + dz}}) != kLung) return false;
    return true;
  };
  const double interior = diceWithTruth(*lungs, labelIs({1}), lungInterior);
  const double whole = diceWithTruth(*lungs, labelIs({1}), labelIs({kLung}));
  RecordProperty("dice", std::to_string(interior) + " (eroded truth), " + std::to_string(whole) + " (truth)");
  EXPECT_GE(interior, 0.999) << "Dice " << interior;
  EXPECT_GE(whole, 0.75) << "Dice " << whole;
  EXPECT_LT(whole, 0.85) << "Dice " << whole << ": the radius should have cost the boundary voxels";
}

// --- watershed and level set -------------------------------------------------------------------

TEST(SegmentStages, WatershedFromMarkersRecoversEveryTissue) {
  const LabelImage::Pointer markers = test::oneMarkerPerStructure(*phantom().labels);
  const StageInputs inputs = {{"image", imageData(phantom().image)}, {"markers", labelData(markers)}};
  const auto regions = runStage(findStage("watershed"), inputs, {{"sigma", 1.0}}).labels;
  std::string measured;
  for (std::uint8_t label : {kAir, kSoftTissue, kLung, kBone}) {
    const double d = diceWithTruth(*regions, labelIs({std::uint8_t(label + 1)}), labelIs({label}));
    measured += std::to_string(d) + " ";
    EXPECT_GE(d, 0.99) << "label " << int(label) << ": Dice " << d;
  }
  RecordProperty("dice", measured);
}

TEST(SegmentStages, WatershedWithoutMarkersFindsEachStructure) {
  // Air, soft tissue, two lungs, spine and arm bone: six regions, each the one under a point inside it.
  const auto regions = segment("watershed", {{"sigma", 1.0}, {"level", 30.0}});
  std::set<std::uint8_t> found(regions->GetBufferPointer(),
                               regions->GetBufferPointer() + regions->GetLargestPossibleRegion().GetNumberOfPixels());
  EXPECT_EQ(found, (std::set<std::uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(regionAt(*regions, {-100, -100, 0}), 1) << "the air around the body is the largest region";

  // Columns: 48 is x = 1.1 mm, 64 is x = 36.3 mm (between the spine and the arm bone).
  const auto inColumns = [](PhantomLabel label, long from, long to) -> VoxelTest {
    return [=](std::uint8_t l, const LabelImage::IndexType& i) { return l == label && i[0] >= from && i[0] < to; };
  };
  const std::vector<std::tuple<std::string, std::array<double, 3>, VoxelTest>> structures = {
      {"air", {-100, -100, 0}, labelIs({kAir})},       {"soft tissue", {0, -50, 0}, labelIs({kSoftTissue})},
      {"right lung", {-38, -2, 0}, rightLung()},       {"left lung", {38, -2, 0}, inColumns(kLung, 48, 96)},
      {"spine", {0, 45, 0}, inColumns(kBone, 0, 64)}, {"arm bone", {70, -5, 0}, inColumns(kBone, 64, 96)}};
  std::string measured;
  for (const auto& [name, point, truth] : structures) {
    const double d = diceWithTruth(*regions, labelIs({regionAt(*regions, point)}), truth);
    measured += name + " " + std::to_string(d) + "; ";
    // The arm bone is 3.6 voxels in radius: a one-voxel boundary shift costs it most (measured 0.981).
    EXPECT_GE(d, name == "arm bone" ? 0.97 : 0.99) << name << ": Dice " << d;
  }
  RecordProperty("dice", measured);
}

TEST(SegmentStages, WatershedKeepsTheLargest255Regions) {
  // Level 0 on noise: one basin per local minimum, far more than a label map holds.
  const auto regions = segment("watershed", {{"sigma", 0.5}, {"level", 0.0}});
  std::vector<size_t> sizes(256);
  const auto* v = regions->GetBufferPointer();
  for (size_t i = 0; i < regions->GetLargestPossibleRegion().GetNumberOfPixels(); ++i) ++sizes[v[i]];
  EXPECT_GT(sizes[0], 0u) << "the regions beyond 255 should have become 0";
  for (size_t label = 1; label < 256; ++label) EXPECT_GT(sizes[label], 0u) << label;
  for (size_t label = 2; label < 256; ++label) EXPECT_GE(sizes[label - 1], sizes[label]) << label;
}

TEST(SegmentStages, ThresholdLevelSetGrowsALungFromOneSeed) {
  const auto lung = segment("threshold-level-set", {{"seeds", Points{{{-38, -2, 0}}}},
                                                    {"seed-radius", 10.0},
                                                    {"lower", -950.0},
                                                    {"upper", -700.0},
                                                    {"curvature-scaling", 1.0}});
  const double d = diceWithTruth(*lung, labelIs({1}), rightLung());
  RecordProperty("dice", std::to_string(d));
  EXPECT_GE(d, 0.98) << "Dice " << d;
}

// On the box its front can reach (implementation: fast) the level set gives the voxels of the run
// on the whole image: a lung (box a fraction of the image), the defaults, and soft tissue (the box
// nearly the whole body).
TEST(SegmentStages, ThresholdLevelSetOnItsReachableBoxGivesTheWholeImagesVoxels) {
  const std::vector<Parameters> cases = {
      {{"seeds", Points{{{-38, -2, 0}}}}, {"seed-radius", 10.0}, {"lower", -950.0}, {"upper", -700.0},
       {"curvature-scaling", 1.0}},
      {{"seeds", Points{{{38, -2, 0}}}}},
      {{"seeds", Points{{{0, -50, 0}}}}, {"lower", -200.0}, {"upper", 200.0}, {"iterations", int64_t(200)}}};
  for (const auto& parameters : cases) {
    Parameters fast = parameters, itk = parameters;
    fast["implementation"] = std::string("fast");
    itk["implementation"] = std::string("itk");
    const auto a = segment("threshold-level-set", fast), b = segment("threshold-level-set", itk);
    ASSERT_EQ(a->GetLargestPossibleRegion(), b->GetLargestPossibleRegion());
    const size_t n = a->GetLargestPossibleRegion().GetNumberOfPixels();
    size_t differ = 0, inside = 0;
    for (size_t i = 0; i < n; ++i) {
      differ += a->GetBufferPointer()[i] != b->GetBufferPointer()[i];
      inside += b->GetBufferPointer()[i] != 0;
    }
    EXPECT_EQ(differ, 0u) << "of " << inside << " voxels inside";
    EXPECT_GT(inside, 1000u);
  }
}

// --- connected components ----------------------------------------------------------------------

TEST(SegmentStages, ConnectedComponentsNumbersPiecesBySize) {
  // The phantom's bone is two pieces: the spine (r 12 mm) at x = 0 and the smaller arm bone (r 8 mm)
  // at x = 70 mm; column 64 is x = 36 mm, between them.
  const auto bone = maskOf(*phantom().labels, kBone);
  const auto pieces = onLabels("connected-components", bone, {});
  const VoxelTest spine = [](std::uint8_t label, const LabelImage::IndexType& index) {
    return label == kBone && index[0] < 64;
  };
  const VoxelTest arm = [](std::uint8_t label, const LabelImage::IndexType& index) {
    return label == kBone && index[0] >= 64;
  };
  EXPECT_DOUBLE_EQ(diceWithTruth(*pieces, labelIs({1}), spine), 1.0);
  EXPECT_DOUBLE_EQ(diceWithTruth(*pieces, labelIs({2}), arm), 1.0);
  EXPECT_EQ(countOf(*pieces, 3), 0u);

  // keep-largest 1 is "keep the largest component".
  const auto largest = onLabels("connected-components", bone, {{"keep-largest", 1L}});
  EXPECT_DOUBLE_EQ(diceWithTruth(*largest, labelIs({1}), spine), 1.0);
  EXPECT_EQ(countOf(*largest, 2), 0u);

  // A minimum size between the two piece sizes drops the arm bone.
  const long armVoxels = long(countOf(*pieces, 2));
  const auto big = onLabels("connected-components", bone, {{"minimum-size", armVoxels + 1}});
  EXPECT_EQ(countOf(*big, 1), countOf(*pieces, 1));
  EXPECT_EQ(countOf(*big, 2), 0u);
}

TEST(SegmentStages, ConnectedComponentsFullyConnectedJoinsDiagonalNeighbours) {
  auto labels = blankLabels(4);
  labels->SetPixel({{1, 1, 1}}, 1);
  labels->SetPixel({{2, 2, 2}}, 5);  // touches the first by a corner only; any non-zero value is foreground
  EXPECT_EQ(countOf(*onLabels("connected-components", labels, {}), 2), 1u);
  const auto joined = onLabels("connected-components", labels, {{"fully-connected", true}});
  EXPECT_EQ(countOf(*joined, 1), 2u);
}

TEST(SegmentStages, ConnectedComponentsRefusesMoreThan255UnlessToldWhichToKeep) {
  // 300 isolated voxels on a 20x20x20 grid, every other voxel along x, y and z.
  auto labels = blankLabels(20);
  int placed = 0;
  for (long z = 0; z < 20 && placed < 300; z += 2)
    for (long y = 0; y < 20 && placed < 300; y += 2)
      for (long x = 0; x < 20 && placed < 300; x += 2, ++placed) labels->SetPixel({{x, y, z}}, 1);
  EXPECT_EQ(errorOf([&] { onLabels("connected-components", labels, {}); }),
            "connected-components: 300 components do not fit in a label map (at most 255): set keep-largest or "
            "minimum-size");
  const auto kept = onLabels("connected-components", labels, {{"keep-largest", 10L}});
  EXPECT_EQ(countOf(*kept, 0), 20u * 20 * 20 - 10);
}

// --- binary morphology on tiny label maps ------------------------------------------------------

TEST(SegmentStages, DilateGrowsOneVoxelIntoTheBall) {
  // A 1 mm ball on a 1 mm grid has radius 1 voxel: the centre, 6 face and 12 edge neighbours (19);
  // the 8 corners lie sqrt(3) voxels away, outside the ball.
  auto labels = blankLabels(5);
  labels->SetPixel({{2, 2, 2}}, 1);
  const auto grown = onLabels("dilate", labels, {{"radius", 1.0}});
  EXPECT_EQ(countOf(*grown, 1), 19u);
  EXPECT_EQ(grown->GetPixel({{3, 3, 2}}), 1);
  EXPECT_EQ(grown->GetPixel({{3, 3, 3}}), 0);

  // With 3 mm slices the same 1 mm ball does not reach the next slice: a 3x3 square in-plane.
  auto thick = blankLabels(5, {1, 1, 3});
  thick->SetPixel({{2, 2, 2}}, 1);
  const auto flat = onLabels("dilate", thick, {{"radius", 1.0}});
  EXPECT_EQ(countOf(*flat, 1), 9u);
  EXPECT_EQ(flat->GetPixel({{2, 2, 3}}), 0);
}

TEST(SegmentStages, DilateGrowsOnlyTheForegroundValue) {
  auto labels = blankLabels(5);
  labels->SetPixel({{2, 2, 2}}, 2);
  labels->SetPixel({{0, 0, 0}}, 1);
  const auto grown = onLabels("dilate", labels, {{"radius", 1.0}, {"foreground-value", 2L}});
  EXPECT_EQ(countOf(*grown, 2), 19u);
  EXPECT_EQ(countOf(*grown, 1), 1u);
}

TEST(SegmentStages, ErodeShrinksACubeByOneVoxel) {
  auto labels = blankLabels(9);
  fillBox(*labels, {2, 2, 2}, {6, 6, 6}, 1);  // 5x5x5
  const auto shrunk = onLabels("erode", labels, {{"radius", 1.0}});
  EXPECT_EQ(countOf(*shrunk, 1), 27u);  // 3x3x3
  EXPECT_EQ(shrunk->GetPixel({{3, 3, 3}}), 1);
  EXPECT_EQ(shrunk->GetPixel({{2, 4, 4}}), 0);
}

TEST(SegmentStages, OpenRemovesASpeckAndTheCubesCorners) {
  auto labels = blankLabels(9);
  fillBox(*labels, {1, 1, 1}, {5, 5, 5}, 1);  // 5x5x5
  labels->SetPixel({{8, 8, 8}}, 1);           // a speck
  const auto opened = onLabels("open", labels, {{"radius", 1.0}});
  // The ball has no corners, so no ball inside the cube covers the cube's 8 corners: 125 - 8.
  EXPECT_EQ(countOf(*opened, 1), 117u);
  EXPECT_EQ(opened->GetPixel({{8, 8, 8}}), 0);
  EXPECT_EQ(opened->GetPixel({{1, 1, 1}}), 0);
  EXPECT_EQ(opened->GetPixel({{1, 1, 3}}), 1);
}

TEST(SegmentStages, CloseFillsAOneVoxelCavityAndKeepsTheCube) {
  auto labels = blankLabels(9);
  fillBox(*labels, {2, 2, 2}, {6, 6, 6}, 1);
  labels->SetPixel({{4, 4, 4}}, 0);
  const auto closed = onLabels("close", labels, {{"radius", 1.0}});
  EXPECT_EQ(countOf(*closed, 1), 125u);
  EXPECT_EQ(closed->GetPixel({{4, 4, 4}}), 1);
}

TEST(SegmentStages, CloseDoesNotErodeALabelAtTheImageEdge) {
  auto labels = blankLabels(6);
  fillBox(*labels, {0, 0, 0}, {2, 5, 5}, 1);  // a slab touching three faces of the image
  const auto closed = onLabels("close", labels, {{"radius", 1.0}});
  EXPECT_EQ(countOf(*closed, 1), 3u * 6 * 6);
}

TEST(SegmentStages, FillHolesFillsAHollowCubeButNotAnOpenOne) {
  auto labels = blankLabels(9);
  fillBox(*labels, {2, 2, 2}, {6, 6, 6}, 1);
  fillBox(*labels, {3, 3, 3}, {5, 5, 5}, 0);  // hollow: 125 - 27 = 98
  ASSERT_EQ(countOf(*labels, 1), 98u);
  EXPECT_EQ(countOf(*onLabels("fill-holes", labels, {}), 1), 125u);

  labels->SetPixel({{2, 4, 4}}, 0);  // a hole in one wall joins the cavity to the outside
  EXPECT_EQ(countOf(*onLabels("fill-holes", labels, {}), 1), 97u);
}

TEST(SegmentStages, FillHolesFullyConnectedNeedsAWallSealedAtCorners) {
  // A cavity whose only way out is through a corner: sealed while the background connects through
  // faces only, open once it connects through corners too.
  auto labels = blankLabels(7);
  fillBox(*labels, {1, 1, 1}, {5, 5, 5}, 1);
  fillBox(*labels, {2, 2, 2}, {4, 4, 4}, 0);  // cavity 27 voxels
  labels->SetPixel({{1, 1, 1}}, 0);           // the cube's corner voxel touches the cavity by a corner only
  EXPECT_EQ(countOf(*onLabels("fill-holes", labels, {}), 1), 124u);
  EXPECT_EQ(countOf(*onLabels("fill-holes", labels, {{"fully-connected", true}}), 1), 124u - 27u);
}

// --- errors, progress and cancellation ---------------------------------------------------------

TEST(SegmentStages, ASeedOutsideTheImageIsNamed) {
  EXPECT_EQ(errorOf([] { segment("connected-threshold", {{"seeds", Points{{{500, 0, 0}}}}}); }),
            "connected-threshold.seeds: seed (500, 0, 0) mm is outside the image");
  EXPECT_EQ(errorOf([] { segment("confidence-connected", {{"seeds", Points{{{0, 0, 0}, {0, 0, -90.5}}}}}); }),
            "confidence-connected.seeds: seed (0, 0, -90.5) mm is outside the image");
  EXPECT_EQ(errorOf([] { segment("neighborhood-connected", {{"seeds", Points{{{96, 0, 0}}, true}}}); }),
            "neighborhood-connected.seeds: seed voxel (96, 0, 0) is outside the image");
  EXPECT_EQ(errorOf([] { segment("threshold-level-set", {{"seeds", Points{{{0, -200, 0}}}}}); }),
            "threshold-level-set.seeds: seed (0, -200, 0) mm is outside the image");
}

TEST(SegmentStages, LowerAboveUpperIsNamed) {
  EXPECT_EQ(errorOf([] { segment("binary-threshold", {{"lower", 3000.0}, {"upper", 300.0}}); }),
            "binary-threshold.lower: 3000 HU is above upper (300 HU)");
  EXPECT_EQ(errorOf([] {
              segment("connected-threshold", {{"seeds", kLungSeeds}, {"lower", -700.0}, {"upper", -950.0}});
            }),
            "connected-threshold.lower: -700 HU is above upper (-950 HU)");
  EXPECT_EQ(errorOf([] { segment("neighborhood-connected", {{"seeds", kLungSeeds}, {"lower", 1.0}, {"upper", 0.5}}); }),
            "neighborhood-connected.lower: 1 HU is above upper (0.5 HU)");
  EXPECT_EQ(errorOf([] { segment("threshold-level-set", {{"seeds", kLungSeeds}, {"lower", 0.0}, {"upper", -1.0}}); }),
            "threshold-level-set.lower: 0 HU is above upper (-1 HU)");
}

TEST(SegmentStages, WrongInputKindsAreRefused) {
  EXPECT_EQ(errorOf([] { runStage(findStage("otsu-threshold"), {{"image", labelData(phantom().labels)}}, {}); }),
            "otsu-threshold: input 'image' must be image, got labels");
  EXPECT_EQ(errorOf([] { runStage(findStage("erode"), {{"labels", imageData(phantom().image)}}, {}); }),
            "erode: input 'labels' must be labels, got image");
  EXPECT_EQ(errorOf([] { runStage(findStage("fill-holes"), {{"image", imageData(phantom().image)}}, {}); }),
            "fill-holes: needs input 'labels' (labels)");
  auto small = blankLabels(8);
  EXPECT_EQ(errorOf([&] {
              runStage(findStage("watershed"),
                       {{"image", imageData(phantom().image)}, {"markers", labelData(small)}}, {});
            }),
            "watershed: input 'markers' is 8x8x8 voxels, the image 96x96x24");
}

TEST(SegmentStages, EverySegmentStageDeclaresItself) {
  const std::vector<std::string> names = {
      "binary-threshold",  "otsu-threshold", "multi-otsu-threshold", "connected-threshold", "confidence-connected",
      "neighborhood-connected", "watershed", "threshold-level-set", "connected-components", "erode", "dilate",
      "open", "close", "fill-holes"};
  for (const auto& name : names) {
    const StageSpec& spec = findStage(name).spec();
    EXPECT_EQ(spec.category, StageCategory::Segment) << name;
    EXPECT_EQ(spec.output, DataKind::Labels) << name;
    EXPECT_FALSE(spec.summary.empty()) << name;
    EXPECT_NE(spec.example.find("stage: " + name + "\n"), std::string::npos) << name;
    for (const auto& p : spec.parameters) EXPECT_FALSE(p.doc.empty()) << name << "." << p.name;
  }
}

// Progress reaches the caller through ITK's ProgressEvent, and cancelling stops the stage.
TEST(SegmentStages, ProgressIsReportedAndCancellationStopsTheStage) {
  std::vector<double> fractions;
  const Progress watch([&](double f, const std::string&) { fractions.push_back(f); });
  runStage(findStage("connected-threshold"), {{"image", imageData(phantom().image)}}, {{"seeds", kLungSeeds}}, watch);
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);

  for (const std::string name : {"threshold-level-set", "watershed", "connected-threshold"}) {
    Progress* self = nullptr;
    Progress progress([&self](double, const std::string&) { self->cancel(); });  // cancels at the first report
    self = &progress;
    Parameters parameters;
    if (name != "watershed") parameters["seeds"] = kLungSeeds;
    EXPECT_EQ(errorOf([&] {
                runStage(findStage(name), {{"image", imageData(phantom().image)}}, parameters, progress);
              }),
              name + ": cancelled");
  }
}

}  // namespace medpipe
