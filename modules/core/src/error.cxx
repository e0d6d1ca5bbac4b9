#include "medpipe/core/error.h"

namespace medpipe {

std::string formatError(const ErrorInfo& info) {
  std::string line;
  for (const std::string* part : {&info.path, &info.field}) {
    if (!part->empty()) line += *part + ": ";
  }
  return line + info.reason;
}

Error::Error(ErrorInfo info) : std::runtime_error(formatError(info)), info_(std::move(info)) {}

Error::Error(std::string path, std::string field, std::string reason)
    : Error(ErrorInfo{std::move(path), std::move(field), std::move(reason)}) {}

}  // namespace medpipe
