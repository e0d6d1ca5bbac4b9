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
  explicit Progress(Callback callback) : callback_(std::move(callback)) {}

  // fraction in [0, 1]; throws medpipe::Error("", "", "cancelled") once cancel() was called.
  void report(double fraction, const std::string& what = {}) const;
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  Callback callback_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace medpipe
