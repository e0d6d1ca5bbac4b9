#include "medpipe/core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "medpipe/core/error.h"

namespace medpipe {

FileLock::FileLock(const std::filesystem::path& path, const std::string& what) : path_(path.string()) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw Error(path_, "", "cannot open " + what + " lock: " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const std::string reason = "cannot lock " + what + ": " + std::strerror(errno);
    ::close(fd_);
    throw Error(path_, "", reason);
  }
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace medpipe
