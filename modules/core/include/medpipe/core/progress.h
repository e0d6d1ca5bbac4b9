#pragma once
// Progress reporting and cancellation shared by scans, readers and stages.
#include <atomic>
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

}  // namespace medpipe
