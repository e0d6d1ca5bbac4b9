// erode: peels a label's boundary off, e.g. to keep clear of partial-volume voxels.
#include <itkBinaryErodeImageFilter.h>

#include "binary_morphology.h"

namespace medpipe {
namespace {

class ErodeStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec =
        morphologySpec("erode", "Shrinks a label by a ball with radius in mm (binary erosion)",
                       "the label to process; eroded voxels become 0, other labels are kept", "BinaryErodeImageFilter", "shrunk");
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    return runMorphology<itk::BinaryErodeImageFilter>(in, p, progress, spec().name, Morphology::Erode, [](auto& filter) {
      filter.SetBackgroundValue(0);  // eroded voxels become background
    });
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(erode, medpipe::ErodeStage)
