// crop-to-box: keeps the voxels of an inclusive index box; the result starts at index 0 with its
// origin moved to the box's first voxel, so it stays in place physically.
#include <itkRegionOfInterestImageFilter.h>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

ParameterSpec corner(const char* name, const char* doc) {
  ParameterSpec p = ParameterSpec::integer(name, 0, 0, 100000, doc);
  p.unit = "voxels";
  p.required = true;  // no box is a sensible default
  return p;
}

class CropToBoxStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "crop-to-box", StageCategory::Utility, "Crops to an inclusive box of voxel indices",
        {{"image", DataKind::Image, "image to crop"}}, DataKind::Image,
        {corner("x0", "first column kept"), corner("y0", "first row kept"), corner("z0", "first slice kept"),
         corner("x1", "last column kept (inclusive)"), corner("y1", "last row kept (inclusive)"),
         corner("z1", "last slice kept (inclusive)")},
        "roi:\n  stage: crop-to-box\n  input: ct\n  x0: 100\n  y0: 120\n  z0: 0\n  x1: 399\n  y1: 379\n  z1: 63\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto& image = in.at("image").image;
    const auto whole = image->GetLargestPossibleRegion();
    ImageF::RegionType box;
    for (unsigned d = 0; d < Dimension; ++d) {
      const std::string axis(1, "xyz"[d]);
      const long first = p.integer(axis + "0"), last = p.integer(axis + "1");
      const long size = static_cast<long>(whole.GetSize(d));
      for (const auto& [name, value] : {std::pair{axis + "0", first}, std::pair{axis + "1", last}})
        if (value >= size)
          throw Error("", spec().name + "." + name,
                      std::to_string(value) + " is outside the image (" + axis + " indices 0.." +
                          std::to_string(size - 1) + ")");
      if (last < first)
        throw Error("", spec().name + "." + axis + "1",
                    std::to_string(last) + " is before " + axis + "0 (" + std::to_string(first) + ")");
      box.SetIndex(d, whole.GetIndex(d) + first);
      box.SetSize(d, static_cast<itk::SizeValueType>(last - first + 1));
    }
    auto filter = itk::RegionOfInterestImageFilter<ImageF, ImageF>::New();
    filter->SetInput(image);
    filter->SetRegionOfInterest(box);
    return {runFilter(*filter, progress, spec().name), nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(crop_to_box, medpipe::CropToBoxStage)
