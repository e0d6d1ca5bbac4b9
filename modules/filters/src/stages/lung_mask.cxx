// lung-mask: the lungs of a chest CT without seeds. Lungs are the air inside the body: voxels below
// a threshold whose connected piece never reaches the side of a slice (the air around the body and
// under the table does). The largest such piece is kept, and the second largest too when it is big
// enough to be the other lung (where the lungs touch they are one piece, and the runner-up is gas
// in the stomach or bowel). Top and bottom slices do not count as border: a scan often cuts the
// lungs there.
#include <itkConnectedComponentImageFilter.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

using ComponentImage = itk::Image<std::uint32_t, Dimension>;

struct Piece {
  std::uint32_t label = 0;
  size_t voxels = 0;
  bool touchesSide = false;
};

class LungMaskStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "lung-mask", StageCategory::Segment,
        "Finds the lungs of a chest CT without seeds: the largest one or two pieces of air inside the body",
        {{"image", DataKind::Image, "CT in HU"}}, DataKind::Labels,
        {ParameterSpec::number("threshold", -400, -1100, 0, "HU",
                               "voxels below this are air (aerated lung is about -850 HU, soft tissue above -100)"),
         ParameterSpec::number("second-lung-fraction", 0.2, 0, 1, "",
                               "the second largest piece is kept as the other lung when it has at least this "
                               "fraction of the largest's voxels (0 keeps it always, 1 only when as large)"),
         ParameterSpec::number("minimum-volume", 10, 0, 1e6, "ml",
                               "smaller pieces of air are not lungs; none this large is an error")},
        "lungs:\n  stage: lung-mask\n  input: ct\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const ImageF::Pointer& image = in.at("image").image;
    const float threshold = static_cast<float>(p.number("threshold"));
    const auto region = image->GetLargestPossibleRegion();
    const auto size = region.GetSize();
    const size_t count = region.GetNumberOfPixels();

    auto air = LabelImage::New();
    air->CopyInformation(image);
    air->SetRegions(region);
    air->Allocate();
    const float* hu = image->GetBufferPointer();
    std::uint8_t* mask = air->GetBufferPointer();
    for (size_t i = 0; i < count; ++i) mask[i] = hu[i] < threshold ? 1 : 0;

    auto components = itk::ConnectedComponentImageFilter<LabelImage, ComponentImage>::New();
    components->SetInput(air);
    const ComponentImage::Pointer numbered = runFilter(*components, progress, spec().name);

    std::vector<Piece> pieces(components->GetObjectCount() + 1);
    const std::uint32_t* label = numbered->GetBufferPointer();
    size_t i = 0;
    for (size_t k = 0; k < size[2]; ++k)
      for (size_t y = 0; y < size[1]; ++y)
        for (size_t x = 0; x < size[0]; ++x, ++i) {
          Piece& piece = pieces[label[i]];
          ++piece.voxels;
          piece.touchesSide |= x == 0 || y == 0 || x + 1 == size[0] || y + 1 == size[1];
        }
    pieces[0].touchesSide = true;  // background
    for (std::uint32_t l = 0; l < pieces.size(); ++l) pieces[l].label = l;
    pieces.erase(std::remove_if(pieces.begin(), pieces.end(), [](const Piece& piece) { return piece.touchesSide; }),
                 pieces.end());
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.voxels > b.voxels; });

    const auto& spacing = image->GetSpacing();
    const double voxelMl = spacing[0] * spacing[1] * spacing[2] / 1000;
    const double minimumMl = p.number("minimum-volume");
    if (pieces.empty() || pieces[0].voxels * voxelMl < minimumMl)
      throw Error("", spec().name,
                  "no air inside the body of at least " + formatParameterValue(minimumMl) + " ml (below " +
                      formatParameterValue(p.number("threshold")) + " HU, not reaching the side of a slice" +
                      (pieces.empty() ? "" : "; the largest is " + formatVolume(pieces[0].voxels * voxelMl)) +
                      "): is this a chest CT?");
    std::vector<std::uint32_t> keep{pieces[0].label};
    if (pieces.size() > 1 && pieces[1].voxels * voxelMl >= minimumMl &&
        double(pieces[1].voxels) >= p.number("second-lung-fraction") * double(pieces[0].voxels))
      keep.push_back(pieces[1].label);

    for (size_t j = 0; j < count; ++j) mask[j] = std::find(keep.begin(), keep.end(), label[j]) != keep.end() ? 1 : 0;
    return {nullptr, air, nullptr};
  }

 private:
  static std::string formatVolume(double ml) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g ml", ml);
    return text;
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(lung_mask, medpipe::LungMaskStage)
