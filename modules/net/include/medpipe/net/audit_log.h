#pragma once
// The audit log of `medpipe listen`: one JSON line per association (who called, from where,
// accepted or why not, how it ended, which study/series/instance counts) and one per send (to
// whom, which series and SOP instance UIDs, outcome). UIDs and AE titles only: no PHI.
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "medpipe/net/store_receiver.h"

namespace medpipe::net {

class AuditLog {
 public:
  explicit AuditLog(std::filesystem::path file);  // appended to; created when absent
  void association(const AssociationRecord& record);
  void send(const std::string& peer, const std::string& seriesUid, const std::vector<std::string>& sopUids,
            const std::string& outcome, int attempt);
  const std::filesystem::path& file() const { return file_; }

 private:
  void append(const std::string& line);
  std::filesystem::path file_;
  std::mutex mutex_;
};

}  // namespace medpipe::net
