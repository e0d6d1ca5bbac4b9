#pragma once
// Test cases over the whole stage registry: every registered stage, and every implementation of
// those with an `implementation` choice, for value-parameterised suites (INSTANTIATE_TEST_SUITE_P).
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include <itkCastImageFilter.h>

#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::test {

struct Case {
  std::string stage, implementation;
};

inline std::string nameOf(const Case &c) {
  return c.stage + (c.implementation.empty() ? "" : " (" + c.implementation + ")");
}
inline void PrintTo(const Case &c, std::ostream *os) { *os << nameOf(c); }

inline std::vector<Case> everyStage() {
  std::vector<Case> cases;
  for (const Stage *s : allStages()) {
    std::vector<std::string> implementations{""};
    for (const auto &parameter : s->spec().parameters)
      if (parameter.name == "implementation") implementations = parameter.choices;
    for (const auto &implementation : implementations) cases.push_back({s->spec().name, implementation});
  }
  return cases;
}

// gtest names: "median_fast" for median (fast).
inline std::string testNameOf(const testing::TestParamInfo<Case> &info) {
  std::string name = info.param.stage + (info.param.implementation.empty() ? "" : "_") + info.param.implementation;
  for (char &c : name)
    if (c == '-') c = '_';
  return name;
}

// The phantom's label map as an image of label numbers, the input cast-to-labels expects.
inline ImageF::Pointer labelNumbers(const Phantom &p) {
  auto cast = itk::CastImageFilter<LabelImage, ImageF>::New();
  cast->SetInput(p.labels);
  cast->Update();
  return cast->GetOutput();
}

// The stage's required inputs from the phantom: its image (label numbers for cast-to-labels) and
// its label map (as a mask or as labels to work on).
inline StageInputs requiredInputs(const Stage &stage, const Phantom &p) {
  StageInputs in;
  for (const auto &input : stage.spec().inputs) {
    if (input.optional) continue;
    if (input.kind == DataKind::Image)
      in[input.name] = {stage.spec().name == "cast-to-labels" ? labelNumbers(p) : p.image, nullptr, nullptr};
    if (input.kind == DataKind::Labels) in[input.name] = {nullptr, p.labels, nullptr};
  }
  return in;
}

}  // namespace medpipe::test
