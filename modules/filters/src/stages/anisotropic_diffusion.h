#pragma once
// What the gradient and curvature anisotropic diffusion stages share: their parameters (the same
// equation family, with medpipe's fast filter or ITK's) and configuring and running either filter.
#include <string>
#include <vector>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "time_step.h"

namespace medpipe {

inline std::vector<ParameterSpec> anisotropicDiffusionParameters(const std::string& itkFilter, const std::string& speedup) {
  return {ParameterSpec::integer("iterations", 5, 1, 1000, "number of diffusion steps"),
          ParameterSpec::number("conductance", 1.0, 0.01, 100.0, "",
                                "edge sensitivity relative to the image's mean gradient; lower keeps more edges"),
          timeStepParameter(SpacingPower::One),
          ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                                "fast: medpipe's fused multithreaded filter (same equation, within 0.01 HU of ITK's, ~" +
                                    speedup + " faster); itk: itk::" + itkFilter)};
}

// Runs a diffusion filter (medpipe's or ITK's) on `image` with the stage's parameters.
template <typename TFilter>
ImageF::Pointer runDiffusion(TFilter& filter, const ImageF::Pointer& image, const ParameterValues& p, double timeStep,
                             const Progress& progress, const std::string& stage) {
  filter.SetInput(image);
  filter.SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
  filter.SetConductanceParameter(p.number("conductance"));
  filter.SetTimeStep(timeStep);
  return runFilter(filter, progress, stage);
}

}  // namespace medpipe
