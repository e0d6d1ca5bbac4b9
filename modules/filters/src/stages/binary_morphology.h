#pragma once
// What the four binary morphology stages (erode, dilate, open, close) share: a ball given in mm,
// the same inputs and parameters, and running medpipe's binary morphology or ITK's filter.
#include <cmath>
#include <string>

#include "fast_binary_morphology.h"
#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"

namespace medpipe {

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

// The declaration every morphology stage shares; `foregroundDoc` says what happens to the voxels,
// `itkFilter` names ITK's filter.
inline StageSpec morphologySpec(const std::string& name, const std::string& summary, const std::string& foregroundDoc,
                                const std::string& itkFilter, const std::string& exampleStep) {
  return {name, StageCategory::Segment, summary, {{"labels", DataKind::Labels, "label map or mask"}}, DataKind::Labels,
          {ParameterSpec::number("radius", 1, 0, 100, "mm", "radius of the ball, rounded to whole voxels on each axis"),
           ParameterSpec::integer("foreground-value", 1, 1, 255, foregroundDoc),
           ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                                 "fast: medpipe's, row by row in a time independent of the label's surface (the same "
                                 "voxels as ITK's); itk: itk::" + itkFilter)},
          exampleStep + ":\n  stage: " + name + "\n  input: mask\n  radius: 2\n"};
}

// Runs medpipe's `op` or ITK's binary morphology filter (templated on the ball) with the stage's
// parameters; `configure` sets what ITK's filter needs beyond them.
template <template <typename, typename, typename> class TFilter, typename Configure>
StageData runMorphology(const StageInputs& in, const ParameterValues& p, const Progress& progress,
                        const std::string& stage, Morphology op, Configure configure) {
  const LabelImage::Pointer& labels = in.at("labels").labels;
  const Ball ball = ballInMm(*labels, p.number("radius"));
  const auto foreground = static_cast<LabelImage::PixelType>(p.integer("foreground-value"));
  if (p.choice("implementation") == "fast")
    return {nullptr, fastBinaryMorphology(*labels, op, ball, foreground, progress), nullptr};
  auto filter = TFilter<LabelImage, LabelImage, Ball>::New();
  filter->SetInput(labels);
  filter->SetKernel(ball);
  filter->SetForegroundValue(foreground);
  configure(*filter);
  return {nullptr, runFilter(*filter, progress, stage), nullptr};
}

}  // namespace medpipe
