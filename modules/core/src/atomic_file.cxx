#include "medpipe/core/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <string>
#include <system_error>

#include "medpipe/core/error.h"

namespace medpipe {
namespace fs = std::filesystem;

std::string fullExtension(const fs::path& path) {
  const std::string name = path.filename().string();
  const auto dot = name.find('.', 1);  // skip a leading dot of hidden files
  return dot == std::string::npos ? std::string() : name.substr(dot);
}

void writeAtomically(const fs::path& target, const std::function<void(const fs::path&)>& write) {
  static std::atomic<unsigned> counter{0};
  const std::string ext = fullExtension(target);
  std::string stem = target.filename().string();
  stem.resize(stem.size() - ext.size());
  const fs::path tmp = target.parent_path() / ("." + stem + ".tmp" + std::to_string(::getpid()) +
                                               "-" + std::to_string(counter++) + ext);
  try {
    write(tmp);
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) throw Error(target.string(), "", "cannot move finished output into place: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

}  // namespace medpipe
