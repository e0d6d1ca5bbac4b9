// UidMap: original -> replacement UIDs, in memory or shared through a CSV file by every process
// that de-identifies into one set (see deidentify.h for the protocol).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdcmUIDGenerator.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/file_lock.h"
#include "medpipe/io/deidentify.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

const char* const kUidMapHeader = "original_uid,replacement_uid";

bool isUid(const std::string& text) {
  return !text.empty() && text.size() <= 64 && text.front() != '.' && text.back() != '.' &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Lines `original,replacement` of `text` (numbered from firstLine) into `out`; a UID mapped twice
// within the text, or to another replacement than `known` has, is an error naming the line.
void parseLines(const std::string& text, const fs::path& csv, size_t firstLine, const std::map<std::string, std::string>& known,
                std::map<std::string, std::string>& out) {
  std::istringstream in(text);
  std::string line;
  for (size_t number = firstLine; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line == kUidMapHeader)) continue;
    const std::string where = "line " + std::to_string(number);
    const auto comma = line.find(',');
    if (comma == std::string::npos) throw Error(csv.string(), where, "expected 'original_uid,replacement_uid'");
    const std::string original = line.substr(0, comma), replacement = line.substr(comma + 1);
    if (!isUid(original) || !isUid(replacement)) throw Error(csv.string(), where, "not a UID pair");
    const auto previous = known.find(original);
    if (previous != known.end() && previous->second != replacement)
      throw Error(csv.string(), where, "conflicts with the UIDs already mapped in this run");
    if (!out.emplace(original, replacement).second) throw Error(csv.string(), where, "UID mapped twice");
  }
}

std::string systemError(const std::string& what) { return what + ": " + std::strerror(errno); }

// The exclusive lock on `<csv>.lock`, held for the object's life. The map file itself is replaced
// by rename, so a lock on it would not be seen by a process that opened the new file.
class MapLock {
 public:
  explicit MapLock(const fs::path& csv) : lock_(csv.string() + ".lock", "UID map") {}

  // How many times the map file was rewritten, kept in the lock file (which is never replaced): a
  // reader that saw another generation reads the whole file again. An inode number cannot tell,
  // the file system reuses it for the next file.
  std::uint64_t generation() const {
    char text[32] = {};
    const ssize_t n = ::pread(lock_.descriptor(), text, sizeof text - 1, 0);
    return n > 0 ? std::strtoull(text, nullptr, 10) : 0;
  }
  void setGeneration(std::uint64_t value) const {
    const std::string text = std::to_string(value) + "\n";
    if (::pwrite(lock_.descriptor(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
        ::ftruncate(lock_.descriptor(), static_cast<off_t>(text.size())) != 0)
      throw Error(lock_.path(), "", systemError("cannot write UID map lock"));
  }

 private:
  FileLock lock_;
};

}  // namespace

std::string UidMap::generateLocked(const std::string& original) {
  gdcm::UIDGenerator generator;
  return map_.emplace(original, generator.Generate()).first->second;
}

std::string UidMap::replace(const std::string& original) {
  if (original.empty()) return original;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = map_.find(original);
  if (found != map_.end()) return found->second;
  if (shared_.empty()) return generateLocked(original);
  // Another process may have mapped it since we last looked: read what it appended, under the lock.
  const MapLock fileLock(shared_);
  readSharedLocked(fileLock.generation());
  found = map_.find(original);
  if (found != map_.end()) return found->second;
  const std::string replacement = generateLocked(original);
  const int fd = ::open(shared_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(shared_.string(), "", systemError("cannot write UID map"));
  struct stat info {};
  ::fstat(fd, &info);
  // A line shorter than PIPE_BUF in one append-mode write: other readers see it whole or not at all.
  const std::string line = (info.st_size == 0 ? std::string(kUidMapHeader) + "\n" : "") + original + "," + replacement + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const std::string reason = written ? "" : systemError("cannot write UID map");
  ::fstat(fd, &info);
  ::close(fd);
  if (!written) {
    map_.erase(original);
    throw Error(shared_.string(), "", reason);
  }
  sharedOffset_ = static_cast<std::uintmax_t>(info.st_size);
  sharedLines_ += static_cast<size_t>(std::count(line.begin(), line.end(), '\n'));
  return replacement;
}

std::optional<std::string> UidMap::find(const std::string& original) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = map_.find(original);
  if (found == map_.end()) return std::nullopt;
  return found->second;
}

size_t UidMap::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return map_.size();
}

void UidMap::load(const fs::path& csv) {
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw Error(csv.string(), "", "cannot read UID map");
  std::stringstream text;
  text << in.rdbuf();
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, std::string> loaded;
  parseLines(text.str(), csv, 1, map_, loaded);
  map_.insert(loaded.begin(), loaded.end());
}

void UidMap::save(const fs::path& csv) const {
  std::lock_guard<std::mutex> lock(mutex_);
  writeAtomically(csv, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    out << kUidMapHeader << '\n';
    for (const auto& [original, replacement] : map_) out << original << ',' << replacement << '\n';
    if (!out.flush()) throw Error(csv.string(), "", "cannot write UID map");
  });
}

// The file grows by whole lines between rewrites: read from where we stopped, or all of it again
// when it was rewritten since (another generation) or shortened.
void UidMap::readSharedLocked(std::uint64_t generation) {
  struct stat info {};
  if (::stat(shared_.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw Error(shared_.string(), "", systemError("cannot read UID map"));
  }
  const auto size = static_cast<std::uintmax_t>(info.st_size);
  if (generation != sharedGeneration_ || size < sharedOffset_) sharedOffset_ = 0, sharedLines_ = 0;
  sharedGeneration_ = generation;
  if (size == sharedOffset_) return;
  std::ifstream in(shared_, std::ios::binary);
  if (!in) throw Error(shared_.string(), "", "cannot read UID map");
  in.seekg(static_cast<std::streamoff>(sharedOffset_));
  std::string text(size - sharedOffset_, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  text.resize(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);  // whole lines only
  std::map<std::string, std::string> added;
  parseLines(text, shared_, sharedLines_ + 1, map_, added);
  map_.insert(added.begin(), added.end());
  sharedOffset_ += text.size();
  sharedLines_ += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

void UidMap::share(const fs::path& csv) {
  std::lock_guard<std::mutex> lock(mutex_);
  shared_ = csv;
  sharedOffset_ = 0, sharedLines_ = 0;
  const MapLock fileLock(shared_);
  sharedGeneration_ = fileLock.generation();
  readSharedLocked(sharedGeneration_);
}

void UidMap::saveShared() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shared_.empty()) return;
  const MapLock fileLock(shared_);
  readSharedLocked(fileLock.generation());  // what others appended since: merged, never dropped
  writeAtomically(shared_, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    out << kUidMapHeader << '\n';
    for (const auto& [original, replacement] : map_) out << original << ',' << replacement << '\n';
    if (!out.flush()) throw Error(shared_.string(), "", "cannot write UID map");
  });
  fileLock.setGeneration(fileLock.generation() + 1);
  struct stat info {};
  sharedGeneration_ = fileLock.generation();
  sharedOffset_ = ::stat(shared_.c_str(), &info) == 0 ? static_cast<std::uintmax_t>(info.st_size) : 0;
  sharedLines_ = map_.size() + 1;  // the header and one line per mapping: all of it is ours
}

}  // namespace medpipe
