#include "medpipe/core/abort_watch.h"

#include <chrono>

namespace medpipe {

AbortWatch::AbortWatch(itk::ProcessObject& filter, const Progress& progress) : filter_(filter), progress_(progress) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      if (progress_.cancelled()) {
        filter_.AbortGenerateDataOn();
        return;
      }
      wake_.wait_for(lock, std::chrono::milliseconds(20));
    }
  });
}

AbortWatch::~AbortWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

}  // namespace medpipe
