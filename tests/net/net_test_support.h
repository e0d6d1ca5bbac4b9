#pragma once
// The network tests' world: a network namespace of their own with only loopback (`unshare -n`,
// where root allows; the host's 127.0.0.1 otherwise), processes started in it and stopped by PID,
// and a real Orthanc with a temporary storage folder. Tests only ever connect to 127.0.0.1. (Outside
// a namespace, Orthanc 1.10 and DCMTK listen on every interface: they have no bind address; Orthanc
// refuses non-local HTTP with RemoteAccessAllowed false.)
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "test_support.h"

namespace medpipe::test {

bool orthancInstalled();  // /usr/sbin/Orthanc and its DICOMweb plugin
#define MEDPIPE_REQUIRE_ORTHANC()                                                                   \
  if (!::medpipe::test::orthancInstalled())                                                         \
  GTEST_SKIP() << "Orthanc is not installed (/usr/sbin/Orthanc and libOrthancDicomWeb.so, Debian " \
                  "packages orthanc and orthanc-dicomweb); skipping"

class NetworkSandbox {
 public:
  NetworkSandbox();   // makes the namespace (or settles for loopback)
  ~NetworkSandbox();  // stops the namespace's holder process
  NetworkSandbox(const NetworkSandbox&) = delete;
  NetworkSandbox& operator=(const NetworkSandbox&) = delete;

  bool isolated() const { return holder_ > 0; }
  pid_t holder() const { return holder_; }  // the process whose network namespace this is; -1 if none
  uint16_t freePort();                                      // a port nobody listens on
  std::string inside(const std::string& command) const;     // the command line, run in the sandbox
  CommandResult run(const std::string& command) const;      // runCommand(inside(command))
  CommandResult medpipe(const std::string& arguments) const;
  // Starts argv in the sandbox with stdout+stderr to `log`; returns its PID.
  pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) const;

 private:
  pid_t holder_ = -1;
  uint16_t nextPort_ = 21000;
};

// SIGTERM (or `signal`), then waits up to 10 s before SIGKILL; reaps the child.
void stopProcess(pid_t pid, int signal = 15);

// Polls `probe` every 100 ms, at most `attempts` times; true once it returned true.
bool waitFor(const std::function<bool()>& probe, int attempts);

class OrthancServer {
 public:
  // `modalities`: JSON members of DicomModalities, e.g. "\"medpipe\": [\"MEDPIPE\", \"127.0.0.1\", 4243]";
  // `extra`: more members of its configuration (each followed by a comma).
  OrthancServer(NetworkSandbox& sandbox, const fs::path& folder, const std::string& modalities = "",
                const std::string& extra = "");
  ~OrthancServer();
  bool started() const { return pid_ > 0; }
  const std::string& failure() const { return failure_; }  // why it did not start
  std::string peer() const { return "ORTHANC@127.0.0.1:" + std::to_string(dicomPort); }
  std::string dicomweb() const { return "http://127.0.0.1:" + std::to_string(httpPort) + "/dicom-web"; }
  uint16_t dicomPort = 0, httpPort = 0;

 private:
  NetworkSandbox& sandbox_;
  pid_t pid_ = -1;
  std::string failure_;
};

// The one volume of a DICOM folder, read by medpipe (GDCM); null when it is not exactly one.
ImageF::Pointer readSeriesFolder(const fs::path& folder);

// The value of the first `"key": "..."` in JSON as `pacs find --json` prints it; "" when absent.
std::string jsonValue(const std::string& json, const std::string& key);

// In `folder`: ca.pem/ca.key (a test CA), NAME.pem/NAME.key signed by it for each of `names`, and
// rogue.pem/rogue.key self-signed (a CA nobody trusts); made with openssl. "" or what failed.
std::string makeTestCertificates(const fs::path& folder, const std::vector<std::string>& names);

// A shell-quoted argument.
std::string quote(const std::string& text);

}  // namespace medpipe::test
