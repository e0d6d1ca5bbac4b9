// close: dilation then erosion fills gaps and dents smaller than the ball and keeps the rest.
#include <itkBinaryMorphologicalClosingImageFilter.h>

#include "binary_morphology.h"

namespace medpipe {
namespace {

class CloseStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec =
        morphologySpec("close", "Fills gaps and dents of a label narrower than a ball in mm (dilation then erosion)",
                       "the label to process; filled voxels take this label", "BinaryMorphologicalClosingImageFilter", "closed");
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    return runMorphology<itk::BinaryMorphologicalClosingImageFilter>(in, p, progress, spec().name, Morphology::Close, [](auto& filter) {
      filter.SetSafeBorder(true);  // a label touching the image edge is not eroded from outside
    });
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(close, medpipe::CloseStage)
