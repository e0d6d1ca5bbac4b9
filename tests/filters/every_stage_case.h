#pragma once
// Test cases over the whole stage registry: every registered stage, and every implementation of
// those with an `implementation` choice, for value-parameterised suites (INSTANTIATE_TEST_SUITE_P).
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "medpipe/filters/stage.h"

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

}  // namespace medpipe::test
