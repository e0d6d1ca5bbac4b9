#pragma once
// What the four binary morphology stages (erode, dilate, open, close) share: a ball given in mm,
// the same inputs and parameters, and running one ITK binary morphology filter on a label map.
#include <itkBinaryBallStructuringElement.h>

#include <cmath>
#include <string>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {

using Ball = itk::BinaryBallStructuringElement<LabelImage::PixelType, Dimension>;

// The radius rounded to whole voxels per axis, so a ball in mm stays round on anisotropic grids;
// an axis whose spacing is over twice the radius gets 0 (the ball does not reach the next voxel),
// and so does an axis of one voxel (a radiograph's z: the ball is the disc of the slice).
inline Ball ballInMm(const LabelImage& labels, double mm) {
  Ball::SizeType radius;
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  for (unsigned d = 0; d < Dimension; ++d)
    radius[d] = size[d] <= 1 ? 0 : static_cast<itk::SizeValueType>(std::lround(mm / labels.GetSpacing()[d]));
  Ball ball;
  ball.SetRadius(radius);
  ball.CreateStructuringElement();
  return ball;
}

// The declaration every morphology stage shares; `foregroundDoc` says what happens to the voxels.
inline StageSpec morphologySpec(const std::string& name, const std::string& summary, const std::string& foregroundDoc,
                                const std::string& exampleStep) {
  return {name, StageCategory::Segment, summary, {{"labels", DataKind::Labels, "label map or mask"}}, DataKind::Labels,
          {ParameterSpec::number("radius", 1, 0, 100, "mm", "radius of the ball, rounded to whole voxels on each axis"),
           ParameterSpec::integer("foreground-value", 1, 1, 255, foregroundDoc)},
          exampleStep + ":\n  stage: " + name + "\n  input: mask\n  radius: 2\n"};
}

// Runs one ITK binary morphology filter (templated on the ball) with the stage's parameters.
template <template <typename, typename, typename> class TFilter, typename Configure>
StageData runMorphology(const StageInputs& in, const ParameterValues& p, const Progress& progress,
                        const std::string& stage, Configure configure) {
  const LabelImage::Pointer& labels = in.at("labels").labels;
  auto filter = TFilter<LabelImage, LabelImage, Ball>::New();
  filter->SetInput(labels);
  filter->SetKernel(ballInMm(*labels, p.number("radius")));
  filter->SetForegroundValue(static_cast<LabelImage::PixelType>(p.integer("foreground-value")));
  configure(*filter);
  return {nullptr, runFilter(*filter, progress, stage), nullptr};
}

}  // namespace medpipe
