#include "durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "medpipe/core/error.h"

namespace medpipe::net {

void syncPath(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path.string(), "", std::string("cannot open for fsync: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error(path.string(), "", std::string("fsync failed: ") + std::strerror(err));
}

void writeDurably(const std::filesystem::path& target, const std::function<void(const std::filesystem::path&)>& write) {
  static std::atomic<unsigned long> counter{0};
  const std::filesystem::path tmp = target.parent_path() / ("." + target.filename().string() + ".part" +
                                                            std::to_string(::getpid()) + "-" + std::to_string(++counter));
  try {
    write(tmp);
    syncPath(tmp);
    std::error_code ec;
    std::filesystem::rename(tmp, target, ec);
    if (ec) throw Error(target.string(), "", "cannot rename into place: " + ec.message());
    syncPath(target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

bool isPlainUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64 || uid.front() == '.') return false;
  for (const char c : uid)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace medpipe::net
