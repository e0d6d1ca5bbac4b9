#pragma once
// An exclusive advisory lock (flock) on a lock file, for processes that share a file or folder.
#include <filesystem>
#include <string>

namespace medpipe {

// Holds an exclusive flock on `path` (created if missing) for the object's life; closing the
// descriptor releases it, and so does the kernel if the process dies. Throws medpipe::Error naming
// the file: "cannot open WHAT lock: ..." or "cannot lock WHAT: ...".
class FileLock {
 public:
  FileLock(const std::filesystem::path& path, const std::string& what);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  int descriptor() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace medpipe
