// connected-components: splits a mask into its connected pieces, numbered by size, optionally
// keeping only the largest (keep-largest 1 is "keep largest component").
#include <itkConnectedComponentImageFilter.h>
#include <itkRelabelComponentImageFilter.h>

#include <cstdint>
#include <limits>
#include <string>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

// Components can outnumber uint8 labels before the size filter, so they are counted in 32 bits.
using ComponentImage = itk::Image<std::uint32_t, Dimension>;

ParameterSpec inVoxels(ParameterSpec p) {
  p.unit = "voxels";
  return p;
}

class ConnectedComponentsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "connected-components", StageCategory::Segment,
        "Numbers the connected pieces of a mask 1, 2, ... by size; keep-largest 1 keeps the largest only",
        {{"labels", DataKind::Labels, "mask: every non-zero voxel is foreground, whatever its label"}},
        DataKind::Labels,
        {ParameterSpec::integer("keep-largest", 0, 0, 255,
                                "keep only this many of the largest components (0 = all); 1 is \"keep largest "
                                "component\". With 0, more than 255 components is an error"),
         inVoxels(ParameterSpec::integer("minimum-size", 0, 0, std::numeric_limits<long>::max(),
                                         "components with fewer voxels are dropped (become 0)")),
         ParameterSpec::flag("fully-connected", false,
                             "voxels touching by an edge or corner connect, not only by a face")},
        "largest:\n  stage: connected-components\n  input: bone\n  keep-largest: 1\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    auto components = itk::ConnectedComponentImageFilter<LabelImage, ComponentImage>::New();
    components->SetInput(in.at("labels").labels);
    components->SetFullyConnected(p.flag("fully-connected"));
    auto bySize = itk::RelabelComponentImageFilter<ComponentImage, ComponentImage>::New();
    bySize->SetInput(runFilter(*components, progress, spec().name));
    bySize->SetMinimumObjectSize(static_cast<itk::SizeValueType>(p.integer("minimum-size")));
    bySize->InPlaceOn();  // relabel in the components' own buffer: one 32-bit volume instead of two
    const ComponentImage::Pointer numbered = runFilter(*bySize, progress, spec().name);

    const auto keep = static_cast<std::uint32_t>(p.integer("keep-largest"));
    const auto count = bySize->GetNumberOfObjects();
    if (keep == 0 && count > 255)
      throw Error("", spec().name,
                  std::to_string(count) +
                      " components do not fit in a label map (at most 255): set keep-largest or minimum-size");
    const std::uint32_t last = keep == 0 ? 255 : keep;
    auto labels = LabelImage::New();
    labels->CopyInformation(numbered);
    labels->SetRegions(numbered->GetLargestPossibleRegion());
    labels->Allocate();
    const std::uint32_t* from = numbered->GetBufferPointer();
    std::uint8_t* to = labels->GetBufferPointer();
    for (size_t i = 0, n = numbered->GetLargestPossibleRegion().GetNumberOfPixels(); i < n; ++i)
      to[i] = from[i] <= last ? static_cast<std::uint8_t>(from[i]) : 0;
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(connected_components, medpipe::ConnectedComponentsStage)
