#pragma once
// Sorting the values of a large region (10^7 and more) with cancel checks in between: runs of 2^20
// sorted one by one, then merged pairwise. The result is std::sort's (ascending; of equal values
// only -0 and +0 could show another order, as std::sort leaves theirs unspecified too); the cost
// about the same, plus one buffer as large as the values. Up to 2^20 values: std::sort itself.
#include <algorithm>
#include <vector>

#include "medpipe/core/progress.h"

namespace medpipe::radiomics {

template <typename T>
void sortCancellable(std::vector<T>& values, const Progress& progress) {
  constexpr size_t kRun = size_t(1) << 20;
  const size_t n = values.size();
  for (size_t begin = 0; begin < n; begin += kRun) {
    progress.throwIfCancelled();
    std::sort(values.begin() + long(begin), values.begin() + long(std::min(n, begin + kRun)));
  }
  if (n <= kRun) return;
  std::vector<T> merged(n);
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t begin = 0; begin < n; begin += 2 * width) {
      progress.throwIfCancelled();
      const auto first = values.begin() + long(begin), middle = values.begin() + long(std::min(n, begin + width)),
                 last = values.begin() + long(std::min(n, begin + 2 * width));
      std::merge(first, middle, middle, last, merged.begin() + long(begin));
    }
    values.swap(merged);
  }
}

}  // namespace medpipe::radiomics
