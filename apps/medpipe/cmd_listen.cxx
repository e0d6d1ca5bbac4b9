// medpipe listen: a C-STORE receiver that runs a pipeline on each complete series and sends the
// results (derived series, SEG) to a peer; queue, results and audit log under --output.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <optional>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/slice_stack.h"
#include "medpipe/net/audit_log.h"
#include "medpipe/net/dicom_client.h"
#include "medpipe/net/series_queue.h"
#include "medpipe/net/store_receiver.h"
#include "network_options.h"

namespace medpipe::cli {
namespace {

std::atomic<bool> gStop{false};
extern "C" void onStopSignal(int) { gStop = true; }

// Logs name a series by 8 hex digits of its UID (as unit IDs do), never by patient attributes.
std::string seriesTag(const std::string& uid) {
  unsigned long long h = 1469598103934665603ULL;
  for (const char c : uid) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  char text[20];
  std::snprintf(text, sizeof text, "%08llx", h & 0xffffffffULL);
  return std::string("series ") + text;
}

void say(const std::string& line) { std::cerr << "medpipe listen: " << line << std::endl; }

// What the series' headers say about completeness: the declared count and the slice stack's gaps.
std::string completeness(const net::ReadySeries& s) {
  std::ostringstream out;
  out << s.instances << " instance(s)";
  if (s.imagesInAcquisition > 0)
    out << (static_cast<size_t>(s.imagesInAcquisition) == s.instances ? ", as ImagesInAcquisition says"
                                                                      : ", ImagesInAcquisition says " + std::to_string(s.imagesInAcquisition));
  try {
    const DicomIndex index = indexDicomFolder(s.folder);
    for (const auto& volume : index.volumes) {
      if (volume.slices.size() < 2) continue;
      out << ", slices: " << buildSliceStack(volume.slices).health.summary();
      break;
    }
  } catch (const std::exception&) {
    out << ", slices: geometry unreadable";
  }
  return out.str();
}

// The pipeline in a child `medpipe run` (a crash there costs the series, not the listener).
int runPipelineProcess(const std::string& config, const std::filesystem::path& input, const std::filesystem::path& output) {
  std::vector<std::string> argv = {"/proc/self/exe", "run", config, "--input", input.string(), "--output", output.string(),
                                   "--force", "--no-report", "--quiet"};
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // our stdout stays clean
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    ::execv("/proc/self/exe", raw.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Replaces `target` by `fresh` (a late instance's rerun replaces the earlier results).
void replaceFolder(const std::filesystem::path& fresh, const std::filesystem::path& target) {
  const std::filesystem::path old = target.string() + ".old";
  std::filesystem::remove_all(old);
  if (std::filesystem::exists(target)) std::filesystem::rename(target, old);
  std::filesystem::rename(fresh, target);
  std::filesystem::remove_all(old);
}

struct SendPolicy {
  std::optional<net::Peer> peer;
  net::ClientOptions client;
  int attempts = 4;
  double firstDelay = 1.0;  // seconds, doubled after each failed attempt
};

// Sends the DICOM files of a result with retries; what still fails is parked in the dead-letter
// folder with the reason.
void sendResults(const SendPolicy& policy, const net::ReadySeries& series, const std::filesystem::path& results,
                 const std::filesystem::path& deadLetter, net::AuditLog& audit) {
  std::vector<std::filesystem::path> files = net::collectDicomFiles({results});
  if (files.empty()) {
    say(seriesTag(series.seriesUid) + ": the pipeline wrote no DICOM output; nothing to send");
    return;
  }
  std::string reason;
  double delay = policy.firstDelay;
  for (int attempt = 1; attempt <= policy.attempts && !files.empty(); ++attempt) {
    std::vector<std::string> sent;
    std::vector<std::filesystem::path> failed;
    try {
      const net::StoreResult r = net::storeFiles(*policy.peer, policy.client, files);
      sent = r.sopInstanceUids;
      for (const auto& f : r.failures) failed.push_back(f.file);
      if (!r.failures.empty()) reason = r.failures.front().reason;
    } catch (const Error& e) {
      failed = files;
      reason = formatError(e.info());
    }
    audit.send(policy.peer->describe(), series.seriesUid, sent, failed.empty() ? "sent" : "failed: " + reason, attempt);
    files = failed;
    if (files.empty()) {
      say(seriesTag(series.seriesUid) + ": results sent to " + policy.peer->describe());
      return;
    }
    say(seriesTag(series.seriesUid) + ": send attempt " + std::to_string(attempt) + " failed: " + reason);
    if (attempt < policy.attempts) {
      for (int i = 0; i < static_cast<int>(delay * 20) && !gStop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      delay *= 2;
    }
  }
  const std::filesystem::path parked = deadLetter / series.seriesUid;
  std::filesystem::remove_all(parked);
  std::filesystem::create_directories(parked);
  for (const auto& f : files) std::filesystem::copy_file(f, parked / f.filename(), std::filesystem::copy_options::overwrite_existing);
  std::ofstream(parked / "reason.txt") << "peer: " << policy.peer->describe() << "\nattempts: " << policy.attempts
                                       << "\nreason: " << reason << "\n";
  audit.send(policy.peer->describe(), series.seriesUid, {}, "dead-letter: " + reason, policy.attempts);
  say(seriesTag(series.seriesUid) + ": " + std::to_string(files.size()) + " file(s) parked in " + parked.string());
}

}  // namespace

int runListen(const Args& args) {
  CommandLine line;
  line.usage = "medpipe listen --aet AET --port N --config PIPELINE.yaml --output DIR [--send-to PEER] [--allow AET@HOST,...]";
  net::ReceiverOptions receiver;
  std::string config, output, sendTo, allow, tlsCert, tlsKey, tlsCa, peersFile;
  double idle = 5.0, minFreeMb = 512;
  SendPolicy policy;
  int port = 0;
  bool verbose = false;
  line.options.add_options()
      ("aet", po::value(&receiver.aet)->required(), "our AE title (the called AE title callers must use)")
      ("port", po::value(&port)->required(), "TCP port to listen on")
      ("config", po::value(&config)->required(), "pipeline config run on each complete series")
      ("output", po::value(&output)->required(), "folder: incoming/, results/, dead-letter/, state/, audit.log")
      ("send-to", po::value(&sendTo), "peer (name or AET@HOST:PORT) the DICOM results are sent to")
      ("allow", po::value(&allow), "callers allowed, AET@HOST,... (IP addresses; * matches any); default every caller")
      ("idle", po::value(&idle)->default_value(idle), "seconds without a new instance after which a series is complete")
      ("min-free-mb", po::value(&minFreeMb)->default_value(minFreeMb), "refuse associations when the output disk has less free space (MB)")
      ("max-associations", po::value(&receiver.maxAssociations)->default_value(receiver.maxAssociations), "associations at once")
      ("send-attempts", po::value(&policy.attempts)->default_value(policy.attempts), "tries per result before the dead-letter folder")
      ("retry-delay", po::value(&policy.firstDelay)->default_value(policy.firstDelay), "seconds before the first retry (doubled each time)")
      ("tls-cert", po::value(&tlsCert), "our certificate (PEM): TLS on, callers must show a certificate of --tls-ca")
      ("tls-key", po::value(&tlsKey), "our private key (PEM)")
      ("tls-ca", po::value(&tlsCa), "CA certificate (PEM) that signs the callers' certificates")
      ("peers", po::value(&peersFile), "peers config for --send-to names and our TLS towards them; default $MEDPIPE_PEERS")
      ("verbose,v", po::bool_switch(&verbose), "DCMTK's network log on stderr");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("listen", [&] {
    net::setNetworkLogVerbosity(verbose);
    installLogSink(true, false);
    if (port < 1 || port > 65535) throw Error("", "--port", "must be from 1 to 65535");
    if (idle <= 0) throw Error("", "--idle", "must be positive");
    if (policy.attempts < 1) throw Error("", "--send-attempts", "must be at least 1");
    if (!std::filesystem::is_regular_file(config)) throw Error(config, "", "no such pipeline config");
    if (!tlsCert.empty() != !tlsKey.empty() || (!tlsCert.empty() && tlsCa.empty()))
      throw Error("", "--tls-cert", "TLS needs --tls-cert, --tls-key and --tls-ca together");
    if (!sendTo.empty()) {
      PeerOptions peerOptions;
      peerOptions.peer = sendTo;
      peerOptions.peersFile = peersFile;
      peerOptions.aet = receiver.aet;
      peerOptions.verbose = verbose;
      auto [peer, client] = resolvePeerOptions(peerOptions);
      policy.peer = peer;
      policy.client = client;
    }
    const std::filesystem::path root(output);
    const std::filesystem::path incoming = root / "incoming", results = root / "results", deadLetter = root / "dead-letter";
    std::filesystem::create_directories(results);
    net::AuditLog audit(root / "audit.log");
    net::SeriesQueue queue(incoming, root / "state", idle);
    if (const size_t resumed = queue.resume()) say("resumed " + std::to_string(resumed) + " series received before a restart");

    receiver.port = static_cast<uint16_t>(port);
    receiver.folder = incoming;
    receiver.minFreeBytes = static_cast<uint64_t>(minFreeMb * 1024 * 1024);
    if (!allow.empty()) receiver.allow = net::parseAllowList(allow);
    receiver.tls = {tlsCert, tlsKey, tlsCa};
    receiver.onInstance = [&](const net::ReceivedInstance& i) { queue.instanceStored(i); };
    receiver.onAssociation = [&](const net::AssociationRecord& r) {
      queue.associationEnded(r);
      audit.association(r);
      if (!r.accepted) say("refused " + r.callingAet + "@" + r.callingHost + ": " + r.refusal);
      else if (r.aborted) say("association of " + r.callingAet + " aborted after " + std::to_string(r.instances) +
                              " instance(s); its series wait for the sender to resume");
    };
    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);
    net::StoreReceiver scp(receiver);
    say("listening as " + receiver.aet + " on port " + std::to_string(port) + (receiver.tls.enabled() ? " (TLS)" : ""));

    while (!gStop) {
      for (const net::ReadySeries& s : queue.takeReady()) {
        char idleText[32];
        std::snprintf(idleText, sizeof idleText, "%.2f", s.idleSeconds);
        say(seriesTag(s.seriesUid) + " complete (" + completeness(s) + "); pipeline starts " + idleText +
            " s after its last instance" + (s.reopened ? ", replacing the earlier results" : ""));
        const std::filesystem::path work = results / ("." + s.seriesUid + ".work");
        std::filesystem::remove_all(work);
        const int rc = runPipelineProcess(config, s.folder, work);
        if (rc != 0) {
          say(seriesTag(s.seriesUid) + ": the pipeline failed (exit " + std::to_string(rc) + "); the instances are kept");
          std::filesystem::remove_all(work);
          queue.finished(s, false);
          continue;
        }
        replaceFolder(work, results / s.seriesUid);
        say(seriesTag(s.seriesUid) + ": pipeline done");
        if (policy.peer) sendResults(policy, s, results / s.seriesUid, deadLetter, audit);
        queue.finished(s, true);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    say("stopping after the current associations");
    scp.stop();
    return kSuccess;
  }, {{"config", "--config"}});
}

}  // namespace medpipe::cli
