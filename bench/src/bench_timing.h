#pragma once
// Timing helpers of the benchmark programs: median wall time of repeated runs, CPU time, peak memory.
#include <sys/resource.h>

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

// Peak resident memory of the process so far, MB.
inline double peakMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

// User + system CPU seconds of the process so far: on a shared machine wall time depends on the
// load, CPU time much less.
inline double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

}  // namespace medpipe::bench
