// medpipe's own segmentation filters (`implementation: fast`) against ITK's (`implementation: itk`)
// on a small body phantom: the bounds the stages' docs state.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"
#include "stage_test_support.h"

namespace medpipe {
namespace {

using Parameters = std::map<std::string, ParameterValue>;

const Phantom& phantom() { return test::finerSegmentPhantom(); }

LabelImage::Pointer run(const std::string& stage, const StageInputs& inputs, Parameters parameters,
                        const std::string& implementation) {
  parameters["implementation"] = implementation;
  return runStage(findStage(stage), inputs, parameters).labels;
}

// How two label maps with their own numbering agree: each region of `reference` is matched with the
// region of `other` it overlaps most.
struct Agreement {
  double sameRegion = 0;   // fraction of voxels in matched regions (0 matched only with 0)
  double worstDice = 1;    // lowest Dice of a matched pair among reference regions of > minVoxels
  size_t regions = 0;      // reference regions of > minVoxels
  std::string report;
};

Agreement agreement(const LabelImage& reference, const LabelImage& other, size_t minVoxels) {
  const size_t n = reference.GetLargestPossibleRegion().GetNumberOfPixels();
  const std::uint8_t* a = reference.GetBufferPointer();
  const std::uint8_t* b = other.GetBufferPointer();
  std::vector<std::array<size_t, 256>> overlap(256);
  for (auto& row : overlap) row.fill(0);
  std::array<size_t, 256> sizeA{}, sizeB{};
  for (size_t i = 0; i < n; ++i) ++overlap[a[i]][b[i]], ++sizeA[a[i]], ++sizeB[b[i]];
  Agreement result;
  size_t matched = 0;
  for (size_t la = 0; la < 256; ++la) {
    if (sizeA[la] == 0) continue;
    size_t lb = 0;
    if (la != 0)
      lb = size_t(std::max_element(overlap[la].begin() + 1, overlap[la].end()) - overlap[la].begin());
    matched += overlap[la][lb];
    if (la == 0 || sizeA[la] <= minVoxels) continue;
    const double dice = 2.0 * double(overlap[la][lb]) / double(sizeA[la] + sizeB[lb]);
    result.worstDice = std::min(result.worstDice, dice);
    ++result.regions;
    result.report += std::to_string(la) + ":" + std::to_string(dice).substr(0, 5) + " ";
  }
  result.sameRegion = double(matched) / double(n);
  return result;
}

StageInputs imageInput() { return {{"image", {phantom().image, nullptr, nullptr}}}; }

LabelImage::Pointer tissueMarkers() { return test::oneMarkerPerStructure(*phantom().labels); }

struct WatershedCase {
  std::string name;
  Parameters parameters;
  bool markers;
};

void PrintTo(const WatershedCase& c, std::ostream* os) { *os << c.name; }

class FastWatershed : public testing::TestWithParam<WatershedCase> {};

// The bound docs/stages.md states for `watershed`'s fast implementation: at least 99% of the voxels
// in the region itk puts them in, Dice >= 0.97 for every region of more than 1000 voxels (measured:
// >= 99.5% and >= 0.98, the lowest with watershed lines).
TEST_P(FastWatershed, AgreesWithItk) {
  const auto& c = GetParam();
  StageInputs inputs = imageInput();
  if (c.markers) inputs["markers"] = {nullptr, tissueMarkers(), nullptr};
  const auto itk = run("watershed", inputs, c.parameters, "itk");
  const auto fast = run("watershed", inputs, c.parameters, "fast");
  const Agreement a = agreement(*itk, *fast, 1000);
  RecordProperty("same_region", std::to_string(a.sameRegion));
  RecordProperty("dice", a.report);
  EXPECT_GE(a.sameRegion, 0.99) << a.report;
  EXPECT_GE(a.worstDice, 0.97) << a.report;
  EXPECT_GT(a.regions, 0u);
  if (c.markers) {  // the markers' labels, not sizes, name the regions: the same numbers
    const Agreement back = agreement(*fast, *itk, 0);
    EXPECT_GE(back.sameRegion, 0.99) << back.report;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FastWatershed,
    testing::Values(WatershedCase{"Defaults", {}, false},
                    WatershedCase{"Level10Sigma2", {{"level", 10.0}, {"sigma", 2.0}}, false},
                    WatershedCase{"Lines", {{"watershed-lines", true}}, false},
                    WatershedCase{"FullyConnected", {{"fully-connected", true}}, false},
                    WatershedCase{"Markers", {}, true},
                    WatershedCase{"MarkersLines", {{"watershed-lines", true}}, true},
                    WatershedCase{"MarkersFullyConnected", {{"fully-connected", true}}, true}),
    [](const testing::TestParamInfo<WatershedCase>& info) { return info.param.name; });

}  // namespace
}  // namespace medpipe
