#pragma once
// Errors are values the caller can report: which file, which field, why.
#include <stdexcept>
#include <string>

namespace medpipe {

struct ErrorInfo {
  std::string path;    // file or folder the error is about; may be empty
  std::string field;   // DICOM attribute, parameter or config key; may be empty
  std::string reason;  // what is wrong, in plain words
};

// One line: "<path>: <field>: <reason>", omitting empty parts.
std::string formatError(const ErrorInfo& info);

class Error : public std::runtime_error {
 public:
  explicit Error(ErrorInfo info);
  Error(std::string path, std::string field, std::string reason);
  const ErrorInfo& info() const { return info_; }

 private:
  ErrorInfo info_;
};

}  // namespace medpipe
