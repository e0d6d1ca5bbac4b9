#pragma once
// Which received series are complete: a series is ready once no instance of it has arrived for
// the idle time, unless the association that brought its last instances was aborted (then it waits
// for the sender to try again). The queue lives on disk: the instances under incoming/ and one
// state file per processed series under state/, so a listener killed with -9 resumes where it was.
// A late instance reopens its series (its count no longer matches the processed one).
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "medpipe/net/store_receiver.h"

namespace medpipe::net {

struct ReadySeries {
  std::string studyUid, seriesUid;
  std::filesystem::path folder;  // incoming/<study>/<series>
  size_t instances = 0;
  bool reopened = false;  // processed before with fewer instances: results are replaced
  int imagesInAcquisition = 0;  // the largest (0020,1002) its instances declared; 0 when none did
  double idleSeconds = 0;       // from its last instance to being taken
};

class SeriesQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // incoming: where the receiver writes (incoming/<study>/<series>/); state: marker files.
  SeriesQueue(std::filesystem::path incoming, std::filesystem::path state, double idleSeconds);

  // Takes up the series on disk not processed with all their instances (after a restart); their
  // idle time starts now. Returns how many.
  size_t resume();

  void instanceStored(const ReceivedInstance& instance);      // receiver threads
  void associationEnded(const AssociationRecord& record);     // aborted: its series wait

  // Series idle for the idle time that received instances since they were processed (or were found
  // unprocessed by resume()), not interrupted and not running; they are marked running.
  std::vector<ReadySeries> takeReady();

  // Records the outcome (state/<series>.done holds the instance count and ok|failed); a series
  // that received instances while it ran is queued again.
  void finished(const ReadySeries& series, bool ok);

  // Series that wait because their association was aborted (for the log and tests).
  std::vector<std::string> interrupted() const;

 private:
  struct Entry {
    std::string studyUid;
    std::filesystem::path folder;
    size_t instances = 0;
    int imagesInAcquisition = 0;
    Clock::time_point lastActivity;
    bool interrupted = false, running = false, pending = false;
  };
  size_t doneCount(const std::string& seriesUid) const;  // -1 cast when never processed

  std::filesystem::path incoming_, state_;
  Clock::duration idle_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> series_;  // by SeriesInstanceUID
};

// Instances (*.dcm) in a series folder.
size_t countInstances(const std::filesystem::path& folder);

}  // namespace medpipe::net
