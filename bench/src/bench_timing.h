#pragma once
// Timing helpers of the benchmark programs: median wall time of repeated runs.
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace medpipe::bench {

inline double medianSeconds(int runs, const std::function<void()>& work) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace medpipe::bench
