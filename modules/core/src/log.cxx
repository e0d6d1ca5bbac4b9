#include "medpipe/core/log.h"

#include <mutex>

namespace medpipe {
namespace {
std::mutex sinkMutex;
LogSink& currentSink() {
  static LogSink sink;
  return sink;
}
}  // namespace

void setLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(sinkMutex);
  currentSink() = std::move(sink);
}

void log(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(sinkMutex);
  if (currentSink()) currentSink()(level, message);
}

const char* toString(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "?";
}

}  // namespace medpipe
