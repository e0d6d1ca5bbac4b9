#include "shared_fixture.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace medpipe::test {
namespace fs = std::filesystem;
namespace {

std::string modificationStamp(const fs::path& file) {
  return std::to_string(static_cast<unsigned long long>(fs::last_write_time(file).time_since_epoch().count()));
}

// An exclusive flock on `file` for the object's lifetime (released by the kernel if the process dies).
class FileLock {
 public:
  explicit FileLock(const fs::path& file) : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + file.string());
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

fs::path sharedFixture(const std::string& name, const std::function<void(const fs::path&)>& make) {
  const fs::path program = fs::read_symlink("/proc/self/exe");
  const fs::path root = program.parent_path() / "shared-fixtures";
  fs::create_directories(root);
  const std::string prefix = name + "-";
  const fs::path folder = root / (prefix + modificationStamp(program) + "-" + modificationStamp(MEDPIPE_EXE));
  FileLock lock(root / (name + ".lock"));
  if (fs::exists(folder / ".complete")) return folder;
  for (const auto& entry : fs::directory_iterator(root))  // an older build's, or one a failed make left
    if (entry.is_directory() && entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(entry.path());
  fs::create_directories(folder);
  make(folder);
  std::ofstream(folder / ".complete") << "made by process " << ::getpid() << "\n";
  return folder;
}

}  // namespace medpipe::test
