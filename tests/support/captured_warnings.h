#pragma once
// Captures the warnings the library logs while an instance is alive (the CLI prints them).
#include <mutex>
#include <string>
#include <vector>

#include "medpipe/core/log.h"

namespace medpipe::test {

class CapturedWarnings {
 public:
  CapturedWarnings() {
    setLogSink([this](LogLevel level, const std::string& message) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (level == LogLevel::Warning) lines_.push_back(message);
    });
  }
  ~CapturedWarnings() { setLogSink({}); }
  CapturedWarnings(const CapturedWarnings&) = delete;
  CapturedWarnings& operator=(const CapturedWarnings&) = delete;
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace medpipe::test
