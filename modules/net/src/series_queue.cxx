#include "medpipe/net/series_queue.h"

#include <algorithm>
#include <fstream>

#include "durable_file.h"
#include "medpipe/core/error.h"

namespace medpipe::net {

namespace {
constexpr size_t kNever = static_cast<size_t>(-1);
}

size_t countInstances(const std::filesystem::path& folder) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec))
    if (e.path().extension() == ".dcm" && e.is_regular_file()) ++n;
  return n;
}

SeriesQueue::SeriesQueue(std::filesystem::path incoming, std::filesystem::path state, double idleSeconds)
    : incoming_(std::move(incoming)),
      state_(std::move(state)),
      idle_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(idleSeconds))) {
  std::filesystem::create_directories(incoming_);
  std::filesystem::create_directories(state_);
}

size_t SeriesQueue::doneCount(const std::string& seriesUid) const {
  std::ifstream in(state_ / (seriesUid + ".done"));
  size_t count = kNever;
  if (!(in >> count)) return kNever;
  return count;
}

size_t SeriesQueue::resume() {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t taken = 0;
  std::error_code ec;
  for (const auto& study : std::filesystem::directory_iterator(incoming_, ec)) {
    if (!study.is_directory() || !isPlainUid(study.path().filename().string())) continue;
    for (const auto& series : std::filesystem::directory_iterator(study.path(), ec)) {
      const std::string uid = series.path().filename().string();
      if (!series.is_directory() || !isPlainUid(uid)) continue;
      const size_t count = countInstances(series.path());
      if (count == 0 || count == doneCount(uid)) continue;
      Entry& e = series_[uid];
      e.studyUid = study.path().filename().string();
      e.folder = series.path();
      e.instances = count;
      e.lastActivity = Clock::now();
      e.interrupted = std::filesystem::exists(state_ / (uid + ".interrupted"));
      e.pending = true;
      ++taken;
    }
  }
  return taken;
}

void SeriesQueue::instanceStored(const ReceivedInstance& instance) {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool known = series_.count(instance.seriesUid) > 0;
  Entry& e = series_[instance.seriesUid];
  e.studyUid = instance.studyUid;
  e.folder = instance.file.parent_path();
  // Counted on disk once (it may hold instances of an earlier run), then one by one.
  if (!known) e.instances = countInstances(e.folder);
  else if (!instance.replaced) ++e.instances;
  e.imagesInAcquisition = std::max(e.imagesInAcquisition, instance.imagesInAcquisition);
  e.lastActivity = Clock::now();
  e.pending = true;
  if (e.interrupted) {  // the sender is back: the series may complete
    e.interrupted = false;
    std::error_code ec;
    std::filesystem::remove(state_ / (instance.seriesUid + ".interrupted"), ec);
  }
}

void SeriesQueue::associationEnded(const AssociationRecord& record) {
  if (!record.aborted) return;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& uid : record.seriesUids) {
    auto it = series_.find(uid);
    if (it == series_.end()) continue;
    it->second.interrupted = true;
    std::ofstream(state_ / (uid + ".interrupted")) << "association aborted\n";  // survives a restart
  }
}

std::vector<ReadySeries> SeriesQueue::takeReady() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ReadySeries> ready;
  const auto now = Clock::now();
  for (auto& [uid, e] : series_) {
    if (!e.pending || e.running || e.interrupted || now - e.lastActivity < idle_) continue;
    // Pending means instances arrived since it was processed (or it was found unprocessed on disk).
    const size_t done = doneCount(uid);
    e.pending = false;
    e.running = true;
    ready.push_back({e.studyUid, uid, e.folder, e.instances, done != kNever, e.imagesInAcquisition,
                     std::chrono::duration<double>(now - e.lastActivity).count()});
  }
  return ready;
}

void SeriesQueue::finished(const ReadySeries& series, bool ok) {
  writeDurably(state_ / (series.seriesUid + ".done"), [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp);
    out << series.instances << " " << (ok ? "ok" : "failed") << "\n";
    if (!out.flush()) throw Error(tmp.string(), "", "cannot write");
  });
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = series_.find(series.seriesUid);
  if (it != series_.end()) it->second.running = false;  // pending again if instances came meanwhile
}

std::vector<std::string> SeriesQueue::interrupted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> uids;
  for (const auto& [uid, e] : series_)
    if (e.interrupted) uids.push_back(uid);
  return uids;
}

}  // namespace medpipe::net
