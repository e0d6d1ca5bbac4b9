#pragma once
// Timing helpers of the benchmark programs: median wall time of repeated runs.
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace medpipe::bench {

inline double secondsOf(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

inline double medianSeconds(int runs, const std::function<void()>& work) {
  std::vector<double> times;
  for (int i = 0; i < std::max(runs, 1); ++i) times.push_back(secondsOf(work));
  return median(times);
}

struct PairedSeconds {
  double first, second;  // medians
};

// Medians of `runs` alternating runs (first, second, first, second, ...): load that drifts during
// the measurement (another job starting, thermal throttling) then slows both alike instead of
// whichever happened to run while it lasted.
inline PairedSeconds interleavedMedianSeconds(int runs, const std::function<void()>& first,
                                              const std::function<void()>& second) {
  std::vector<double> a, b;
  for (int i = 0; i < std::max(runs, 1); ++i) {
    a.push_back(secondsOf(first));
    b.push_back(secondsOf(second));
  }
  return {median(a), median(b)};
}

}  // namespace medpipe::bench
