#pragma once
// The library never prints: it hands log lines to a sink the application installs.
#include <functional>
#include <string>

namespace medpipe {

enum class LogLevel { Debug, Info, Warning, Error };

using LogSink = std::function<void(LogLevel, const std::string&)>;

// Replaces the process-wide sink; an empty sink discards everything (the default).
void setLogSink(LogSink sink);
void log(LogLevel level, const std::string& message);

inline void logInfo(const std::string& m) { log(LogLevel::Info, m); }
inline void logWarning(const std::string& m) { log(LogLevel::Warning, m); }
inline void logDebug(const std::string& m) { log(LogLevel::Debug, m); }

const char* toString(LogLevel level);

}  // namespace medpipe
