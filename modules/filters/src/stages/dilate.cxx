// dilate: grows a label outwards, e.g. to add a safety margin around a structure.
#include <itkBinaryDilateImageFilter.h>

#include "binary_morphology.h"

namespace medpipe {
namespace {

class DilateStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec =
        morphologySpec("dilate", "Grows a label by a ball with radius in mm (binary dilation)",
                       "the label to process; it grows over 0 and over other labels alike", "BinaryDilateImageFilter", "grown");
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    return runMorphology<itk::BinaryDilateImageFilter>(in, p, progress, spec().name, Morphology::Dilate, [](auto&) {});
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(dilate, medpipe::DilateStage)
