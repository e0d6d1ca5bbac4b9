#include "medpipe/net/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"

namespace medpipe::net {

namespace {
std::string utcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const long ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return text;
}

// JsonWriter indents; an audit record is one line.
std::string oneLine(const std::string& json) {
  std::string line;
  bool inString = false, escaped = false;
  for (const char c : json) {
    if (inString) {
      line += c;
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
      line += c;
    } else if (c != '\n' && c != ' ') {
      line += c;
    }
  }
  return line;
}
}  // namespace

AuditLog::AuditLog(std::filesystem::path file) : file_(std::move(file)) {
  const int fd = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw Error(file_.string(), "", "cannot open the audit log");
  ::close(fd);
}

void AuditLog::append(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int fd = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return;
  const std::string text = line + "\n";
  const ssize_t written = ::write(fd, text.data(), text.size());  // one write: lines never interleave
  (void)written;
  ::fsync(fd);
  ::close(fd);
}

void AuditLog::association(const AssociationRecord& r) {
  std::ostringstream out;
  JsonWriter json(out);
  json.beginObject().field("time", utcNow()).field("event", "association");
  json.field("calling_aet", r.callingAet).field("calling_host", r.callingHost).field("called_aet", r.calledAet);
  json.field("outcome", !r.accepted ? "refused" : r.aborted ? "aborted" : "released");
  if (!r.accepted) json.field("reason", r.refusal);
  json.field("instances", r.instances).field("failed_instances", r.failedInstances);
  json.array("studies", r.studyUids).array("series", r.seriesUids);
  json.endObject();
  append(oneLine(out.str()));
}

void AuditLog::send(const std::string& peer, const std::string& seriesUid, const std::vector<std::string>& sopUids,
                    const std::string& outcome, int attempt) {
  std::ostringstream out;
  JsonWriter json(out);
  json.beginObject().field("time", utcNow()).field("event", "send").field("peer", peer);
  json.field("source_series", seriesUid).field("attempt", attempt).field("outcome", outcome);
  json.array("sop_instances", sopUids).endObject();
  append(oneLine(out.str()));
}

}  // namespace medpipe::net
