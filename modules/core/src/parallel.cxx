#include "medpipe/core/parallel.h"

#include <itkMultiThreaderBase.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace medpipe {
namespace {

// Threads kept between calls. The voxel classifier splits every pass of every slice over the
// threads (thousands of calls of about a millisecond on a CT): starting a thread per call left a
// core idle for about 0.3 ms of each. A worker spins a little after a job, for the next one,
// then sleeps. One caller at a time: a call made while the pool is busy (from another thread, or
// from inside a part) starts its own threads, as before.
class Pool {
 public:
  static Pool* instance() {
    static Pool* pool = new Pool;  // never destroyed: the workers sleep through the process's exit
    return pool->pid_ == ::getpid() ? pool : nullptr;  // a forked child has none of the workers
  }

  // Runs part(p) for p in [1, parts) on workers and part(0) here; false (nothing run) when busy.
  bool run(size_t parts, const std::function<void(size_t)>& part) {
    if (insidePart) return false;  // a call from a part: the pool is this call's caller's
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    while (workers_.size() + 1 < parts) {
      const size_t index = workers_.size() + 1;
      // the generation before this job's: the new worker may start only after it has been posted
      workers_.emplace_back([this, index, seen = generation_.load()] { work(index, seen); });
      workers_.back().detach();
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      part_ = &part, parts_ = parts, pending_ = parts - 1;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    insidePart = true;
    part(0);
    insidePart = false;
    waitFor([&] { return pending_.load(std::memory_order_acquire) == 0; }, done_);
    return true;
  }

 private:
  static constexpr auto kSpin = std::chrono::microseconds(50);
  static thread_local bool insidePart;  // this thread runs a part: a worker, or a caller in part 0

  // Spins up to kSpin for ready(), then sleeps on `signal` until it holds.
  template <typename Ready>
  void waitFor(Ready ready, std::condition_variable& signal) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (!ready()) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      if (std::chrono::steady_clock::now() > until) {
        std::unique_lock<std::mutex> lock(m_);
        signal.wait(lock, ready);
        return;
      }
    }
  }

  void work(size_t index, unsigned long seen) {
    insidePart = true;
    for (;;) {
      waitFor([&] { return generation_.load(std::memory_order_acquire) != seen; }, wake_);
      size_t parts;
      const std::function<void(size_t)>* part;
      {  // the job as one whole: a worker a job does not need may look only when the next has begun
        std::lock_guard<std::mutex> lock(m_);
        seen = generation_.load(std::memory_order_relaxed), parts = parts_, part = part_;
      }
      if (index >= parts) continue;  // a job of fewer parts than workers
      (*part)(index);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(m_);  // the caller either sees 0 or is asleep and woken
        done_.notify_one();
      }
    }
  }

  const pid_t pid_ = ::getpid();
  std::mutex busy_;  // held by the caller of run
  std::mutex m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;  // detached; worker i runs part i
  std::atomic<unsigned long> generation_{0};
  const std::function<void(size_t)>* part_ = nullptr;  // the job: written under m_
  size_t parts_ = 0;
  std::atomic<size_t> pending_{0};
};

thread_local bool Pool::insidePart = false;

}  // namespace

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
  const std::function<void(size_t)> runPart = [&](size_t p) {
    try {
      work(count * p / parts, count * (p + 1) / parts);
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  Pool* pool = Pool::instance();
  if (!pool || !pool->run(parts, runPart)) {
    std::vector<std::thread> others;
    for (size_t p = 1; p < parts; ++p) others.emplace_back(runPart, p);
    runPart(0);
    for (auto& t : others) t.join();
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace medpipe
