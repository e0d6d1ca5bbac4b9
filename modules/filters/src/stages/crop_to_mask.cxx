// crop-to-mask: crops the image to the bounding box of a mask's non-zero voxels, widened by a
// margin in mm, e.g. to keep only the body before slower stages.
#include <itkImageRegionConstIteratorWithIndex.h>
#include <itkRegionOfInterestImageFilter.h>

#include <cmath>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class CropToMaskStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "crop-to-mask", StageCategory::Utility, "Crops to the bounding box of a mask plus a margin in mm",
        {{"image", DataKind::Image, "image to crop"},
         {"mask", DataKind::Labels, "non-zero voxels define the box; must be on the image's voxel grid"}},
        DataKind::Image,
        {ParameterSpec::number("margin", 0.0, 0.0, 1000.0, "mm",
                               "added on every side, rounded up to whole voxels per axis and kept within the image")},
        "body-box:\n  stage: crop-to-mask\n  input: {image: ct, mask: body}\n  margin: 10\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const auto& mask = in.at("mask").labels;
    requireSameGrid(*image, *mask, spec().name, "mask");
    const auto whole = mask->GetLargestPossibleRegion();
    ImageF::IndexType low = whole.GetUpperIndex(), high = whole.GetIndex();
    bool any = false;
    for (itk::ImageRegionConstIteratorWithIndex<LabelImage> it(mask, whole); !it.IsAtEnd(); ++it) {
      if (it.Get() == 0) continue;
      any = true;
      for (unsigned d = 0; d < Dimension; ++d)
        low[d] = std::min(low[d], it.GetIndex()[d]), high[d] = std::max(high[d], it.GetIndex()[d]);
    }
    if (!any) throw Error("", spec().name, "input 'mask' has no non-zero voxel: nothing to crop to");
    ImageF::RegionType box;
    for (unsigned d = 0; d < Dimension; ++d) {
      const auto margin =
          static_cast<itk::IndexValueType>(std::ceil(p.number("margin") / image->GetSpacing()[d] - 1e-9));
      low[d] = std::max(whole.GetIndex(d), low[d] - margin);
      high[d] = std::min(whole.GetUpperIndex()[d], high[d] + margin);
      box.SetIndex(d, low[d]);
      box.SetSize(d, static_cast<itk::SizeValueType>(high[d] - low[d] + 1));
    }
    auto filter = itk::RegionOfInterestImageFilter<ImageF, ImageF>::New();
    filter->SetInput(image);
    filter->SetRegionOfInterest(box);
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(crop_to_mask, medpipe::CropToMaskStage)
