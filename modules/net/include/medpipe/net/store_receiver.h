#pragma once
// A C-STORE receiver (SCP) on DCMTK's thread pool: accepts every storage SOP class in every
// transfer syntax it is sent, writes each instance durably (fsync, rename, fsync of the folder)
// before the success response, checks called AE title, the allow-list of callers and a disk
// watermark when an association is requested, and tells its owner what arrived and how each
// association ended. C-ECHO is answered too.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "medpipe/net/peer.h"

namespace medpipe::net {

// An allowed caller: AE title and host (IP address as the receiver sees it); "*" matches any.
struct AllowedCaller {
  std::string aet = "*", host = "*";
};
// "AET@HOST,AET@HOST" (either side may be *); throws medpipe::Error (field "--allow").
std::vector<AllowedCaller> parseAllowList(const std::string& text);

struct ReceivedInstance {
  std::filesystem::path file;  // folder/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
  std::string studyUid, seriesUid, sopUid;
  int imagesInAcquisition = 0;  // (0020,1002) when the sender's header has it, else 0
  bool replaced = false;        // the same SOP instance was there already (sent again)
};

struct AssociationRecord {
  std::string callingAet, callingHost, calledAet;
  bool accepted = false;
  std::string refusal;     // why it was refused (accepted == false)
  bool aborted = false;    // ended by an A-ABORT or a broken connection, not a release
  size_t instances = 0;    // instances stored on it
  size_t failedInstances = 0;
  std::set<std::string> studyUids, seriesUids;
};

struct ReceiverOptions {
  std::string aet = "MEDPIPE";
  uint16_t port = 0;
  std::filesystem::path folder;  // where instances go, by study and series
  std::vector<AllowedCaller> allow;  // empty: every caller
  uint64_t minFreeBytes = 0;         // refuse associations when the folder's disk has less free
  TlsFiles tls;                      // mutual TLS (certificate, key, CA of the callers)
  int maxAssociations = 8;           // at once; more are refused (local limit)
  int dimseTimeoutSeconds = 30;      // a sender silent this long mid-association is dropped
  // Called after an instance is durable and before its success response (from worker threads).
  std::function<void(const ReceivedInstance&)> onInstance;
  // Called once per association request, accepted or not, when it has ended (worker threads).
  std::function<void(const AssociationRecord&)> onAssociation;
};

class StoreReceiver {
 public:
  // Opens the listening port; throws medpipe::Error (field "--port") when it cannot.
  explicit StoreReceiver(ReceiverOptions options);
  ~StoreReceiver();  // stops (after the current associations) and joins
  StoreReceiver(const StoreReceiver&) = delete;
  StoreReceiver& operator=(const StoreReceiver&) = delete;

  // Stops accepting; returns once running associations have ended.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Free bytes on the file system holding `path` (statvfs, for unprivileged users).
uint64_t freeBytes(const std::filesystem::path& path);

}  // namespace medpipe::net
