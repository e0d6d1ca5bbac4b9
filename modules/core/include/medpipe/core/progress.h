#pragma once
// Progress reporting and cancellation shared by scans, readers and stages.
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

namespace medpipe {

class Progress {
 public:
  using Callback = std::function<void(double fraction, const std::string& what)>;

  Progress() = default;
  // A progress that is also cancelled when `parent` is (e.g. one step's progress inside a run
  // that SIGINT cancels); the parent must outlive it.
  explicit Progress(Callback callback, const Progress* parent = nullptr)
      : callback_(std::move(callback)), parent_(parent) {}

  // fraction in [0, 1]; throws medpipe::Error("", "", "cancelled") once cancelled().
  void report(double fraction, const std::string& what = {}) const;
  // Throws medpipe::Error("", "", "cancelled") once cancelled(), for work that checks without reporting.
  void throwIfCancelled() const;
  void cancel() { cancelled_ = true; }  // async-signal-safe: a lock-free atomic store
  bool cancelled() const { return cancelled_ || (parent_ && parent_->cancelled()); }

 private:
  Callback callback_;
  const Progress* parent_ = nullptr;
  std::atomic<bool> cancelled_{false};
};

// Calls work(begin, end) on consecutive blocks of [0, count), `block` items each, checking for a
// cancel before each: a flat loop over voxels becomes cancellable with its inner loop unchanged
// (same order, same sums). Index raw pointers taken before, not vectors: in the lambda GCC
// reloads a vector's data pointer in every iteration (+10% instructions on a short body).
template <typename Work>
void forEachBlock(size_t count, size_t block, const Progress& progress, Work&& work) {
  for (size_t begin = 0; begin < count; begin += block) {
    progress.throwIfCancelled();
    work(begin, count - begin < block ? count : begin + block);
  }
}

}  // namespace medpipe
