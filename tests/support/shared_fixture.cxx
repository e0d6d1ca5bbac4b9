#include "shared_fixture.h"

#include <unistd.h>

#include <fstream>

#include "medpipe/core/file_lock.h"

namespace medpipe::test {
namespace fs = std::filesystem;
namespace {

std::string modificationStamp(const fs::path& file) {
  return std::to_string(static_cast<unsigned long long>(fs::last_write_time(file).time_since_epoch().count()));
}

}  // namespace

fs::path sharedFixture(const std::string& name, const std::function<void(const fs::path&)>& make) {
  const fs::path program = fs::read_symlink("/proc/self/exe");
  const fs::path root = program.parent_path() / "shared-fixtures";
  fs::create_directories(root);
  const std::string prefix = name + "-";
  const fs::path folder = root / (prefix + modificationStamp(program) + "-" + modificationStamp(MEDPIPE_EXE));
  const FileLock lock(root / (name + ".lock"), "shared fixture");
  if (fs::exists(folder / ".complete")) return folder;
  for (const auto& entry : fs::directory_iterator(root))  // an older build's, or one a failed make left
    if (entry.is_directory() && entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(entry.path());
  fs::create_directories(folder);
  make(folder);
  std::ofstream(folder / ".complete") << "made by process " << ::getpid() << "\n";
  return folder;
}

}  // namespace medpipe::test
