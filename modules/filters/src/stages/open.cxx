// open: erosion then dilation removes specks and thin bridges smaller than the ball and keeps the rest.
#include <itkBinaryMorphologicalOpeningImageFilter.h>

#include "binary_morphology.h"

namespace medpipe {
namespace {

class OpenStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec =
        morphologySpec("open", "Removes parts of a label thinner than a ball in mm (erosion then dilation)",
                       "the label to process; removed voxels become 0", "BinaryMorphologicalOpeningImageFilter", "opened");
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    return runMorphology<itk::BinaryMorphologicalOpeningImageFilter>(in, p, progress, spec().name, Morphology::Open, [](auto& filter) {
      filter.SetBackgroundValue(0);  // removed voxels become background
    });
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(open, medpipe::OpenStage)
