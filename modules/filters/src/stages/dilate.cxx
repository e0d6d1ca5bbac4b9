// dilate: grows a label outwards, e.g. to add a safety margin around a structure.
#include <itkBinaryBallStructuringElement.h>
#include <itkBinaryDilateImageFilter.h>

#include <cmath>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

using Ball = itk::BinaryBallStructuringElement<LabelImage::PixelType, Dimension>;

// The radius rounded to whole voxels per axis, so a ball in mm stays round on anisotropic grids;
// an axis whose spacing is over twice the radius gets 0 (the ball does not reach the next voxel).
Ball ballInMm(const LabelImage& labels, double mm) {
  Ball::SizeType radius;
  for (unsigned d = 0; d < Dimension; ++d)
    radius[d] = static_cast<itk::SizeValueType>(std::lround(mm / labels.GetSpacing()[d]));
  Ball ball;
  ball.SetRadius(radius);
  ball.CreateStructuringElement();
  return ball;
}

class DilateStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "dilate", "segment", "Grows a label by a ball with radius in mm (binary dilation)",
        {{"labels", DataKind::Labels, "label map or mask"}}, DataKind::Labels,
        {ParameterSpec::number("radius", 1, 0, 100, "mm", "radius of the ball, rounded to whole voxels on each axis"),
         ParameterSpec::integer("foreground-value", 1, 1, 255,
                                "the label to process; it grows over 0 and over other labels alike")},
        "grown:\n  stage: dilate\n  input: mask\n  radius: 2\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const LabelImage::Pointer& labels = in.at("labels").labels;
    auto filter = itk::BinaryDilateImageFilter<LabelImage, LabelImage, Ball>::New();
    filter->SetInput(labels);
    filter->SetKernel(ballInMm(*labels, p.number("radius")));
    filter->SetForegroundValue(static_cast<LabelImage::PixelType>(p.integer("foreground-value")));
    return {nullptr, runFilter(*filter, progress, spec().name), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(dilate, medpipe::DilateStage)
