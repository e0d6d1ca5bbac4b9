#include "medpipe/core/parallel.h"

#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace medpipe {

unsigned workerThreadCount() {
  return std::max(1u, static_cast<unsigned>(itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads()));
}

void forEachPart(size_t count, unsigned threads, const std::function<void(size_t begin, size_t end)>& work) {
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads, count));
  if (parts == 1) {
    if (count > 0) work(0, count);
    return;
  }
  std::vector<std::exception_ptr> errors(parts);
  auto runPart = [&](size_t p) {
    try {
      work(count * p / parts, count * (p + 1) / parts);
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  std::vector<std::thread> others;
  for (size_t p = 1; p < parts; ++p) others.emplace_back(runPart, p);
  runPart(0);
  for (auto& t : others) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace medpipe
