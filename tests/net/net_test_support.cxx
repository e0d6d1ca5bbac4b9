#include "net_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"

namespace medpipe::test {

ImageF::Pointer readSeriesFolder(const fs::path& folder) {
  const DicomIndex index = indexDicomFolder(folder);
  if (index.volumes.size() != 1) return nullptr;
  return readVolume(index.volumes.front(), IrregularGeometry::Fail);
}

std::string jsonValue(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\": \"";
  const size_t at = json.find(marker);
  if (at == std::string::npos) return "";
  return json.substr(at + marker.size(), json.find('"', at + marker.size()) - at - marker.size());
}

bool orthancInstalled() {
  return fs::exists("/usr/sbin/Orthanc") && fs::exists("/usr/share/orthanc/plugins/libOrthancDicomWeb.so");
}

std::string quote(const std::string& text) {
  std::string q = "'";
  for (const char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool waitFor(const std::function<bool()>& probe, int attempts) {
  for (int i = 0; i < attempts; ++i) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void stopProcess(pid_t pid, int signal) {
  if (pid <= 0) return;
  ::kill(pid, signal);
  for (int i = 0; i < 100; ++i) {  // 10 s
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

namespace {
pid_t spawnArgv(const std::vector<std::string>& argv, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test takes its Orthanc and namespace with it
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  const int null = ::open("/dev/null", O_RDONLY);
  if (null >= 0) ::dup2(null, STDIN_FILENO);
  std::vector<char*> raw;
  for (const auto& a : argv) raw.push_back(const_cast<char*>(a.c_str()));
  raw.push_back(nullptr);
  ::execvp(raw[0], raw.data());
  ::_exit(127);
}
}  // namespace

NetworkSandbox::NetworkSandbox() {
  if (::geteuid() != 0 || runCommand("unshare -n true").exitCode != 0) return;  // loopback of the host then
  // The namespace lives as long as its holder (a bounded sleep); everything else joins it by nsenter.
  // Ready once the holder says so from inside: until unshare has run, its PID is still in the host's
  // namespace, and a server started there then would be out of reach of every later client.
  const fs::path log = fs::temp_directory_path() / ("medpipe-netns-" + std::to_string(::getpid()) + ".log");
  const pid_t pid = spawnArgv({"unshare", "-n", "sh", "-c", "ip link set lo up && echo ready && exec sleep 1800"}, log);
  const auto ready = [&] {
    std::ifstream in(log);
    std::string line;
    return std::getline(in, line) && line == "ready";
  };
  if (waitFor(ready, 600)) {
    holder_ = pid;
  } else {
    stopProcess(pid, SIGKILL);
  }
  fs::remove(log);
}

NetworkSandbox::~NetworkSandbox() { stopProcess(holder_, SIGKILL); }

uint16_t NetworkSandbox::freePort() {
  if (isolated()) return nextPort_++;  // an empty namespace: every port is free
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string NetworkSandbox::inside(const std::string& command) const {
  return isolated() ? "nsenter -t " + std::to_string(holder_) + " -n " + command : command;
}

CommandResult NetworkSandbox::run(const std::string& command) const { return runCommand(inside(command)); }

CommandResult NetworkSandbox::medpipe(const std::string& arguments) const {
  return run(std::string(MEDPIPE_EXE) + " " + arguments);
}

pid_t NetworkSandbox::spawn(const std::vector<std::string>& argv, const fs::path& log) const {
  std::vector<std::string> full;
  if (isolated()) full = {"nsenter", "-t", std::to_string(holder_), "-n"};  // nsenter execs: the PID is argv's
  full.insert(full.end(), argv.begin(), argv.end());
  return spawnArgv(full, log);
}

// DicomScuTimeout: Orthanc's wait for our C-STORE answers (C-GET, C-MOVE); we fsync each instance
// first, which can take long on a loaded CI disk.
OrthancServer::OrthancServer(NetworkSandbox& sandbox, const fs::path& folder, const std::string& modalities,
                             const std::string& extra)
    : sandbox_(sandbox) {
  dicomPort = sandbox.freePort();
  httpPort = sandbox.freePort();
  fs::create_directories(folder / "storage");
  const fs::path config = folder / "orthanc.json";
  std::ofstream(config) << R"({"Name": "medpipe-test", "StorageDirectory": ")" << (folder / "storage").string()
                        << R"(", "IndexDirectory": ")" << (folder / "storage").string() << R"(",
  "DicomAet": "ORTHANC", "DicomPort": )" << dicomPort << R"(, "HttpPort": )" << httpPort << R"(,
  "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "DicomCheckCalledAet": true, "DicomAlwaysAllowEcho": true, "DicomAlwaysAllowStore": true,
  "DicomAlwaysAllowFind": true, "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true,
  "DicomModalities": {)" << modalities << R"(}, "SaveJobs": false, "StableAge": 1,
  "DicomScuTimeout": 120, )" << extra << R"(
  "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
  "DicomWeb": {"Enable": true, "Root": "/dicom-web/"}})";
  pid_ = sandbox.spawn({"/usr/sbin/Orthanc", config.string()}, folder / "orthanc.log");
  // Up when its DICOM port answers (TLS or not, a refusal or an echo means it listens).
  const std::string echo = "pacs echo " + peer() + " --timeout 2";
  std::string lastAnswer;
  const auto answers = [&] {
    lastAnswer = sandbox.medpipe(echo).err;
    return lastAnswer.find("TCP Initialization Error") == std::string::npos;
  };
  if (!waitFor(answers, 150)) {
    std::ifstream in(folder / "orthanc.log");
    failure_ = "Orthanc did not answer C-ECHO on port " + std::to_string(dicomPort) + " (" + lastAnswer + "); its log:\n" +
               std::string(std::istreambuf_iterator<char>(in), {});
    stopProcess(pid_);
    pid_ = -1;
  }
}

std::string makeTestCertificates(const fs::path& folder, const std::vector<std::string>& names) {
  fs::create_directories(folder);
  // In a subshell: runCommand's redirections then catch every command's output.
  const auto run = [&](const std::string& commands) { return runCommand("(cd " + folder.string() + " && " + commands + ")"); };
  const std::string selfSigned = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 ";
  if (run(selfSigned + "-keyout ca.key -out ca.pem -subj '/CN=medpipe test CA'").exitCode != 0)
    return "openssl (Debian openssl) could not make the test CA";
  if (run(selfSigned + "-keyout rogue.key -out rogue.pem -subj '/CN=rogue'").exitCode != 0) return "openssl: rogue";
  for (const auto& n : names)
    if (run("openssl req -newkey rsa:2048 -nodes -keyout " + n + ".key -out " + n + ".csr -subj '/CN=" + n +
            "' && openssl x509 -req -in " + n + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + n + ".pem -days 2")
            .exitCode != 0)
      return "openssl: " + n;
  return "";
}

// SIGKILL: Orthanc takes seconds to stop on SIGTERM, and its storage is thrown away anyway.
OrthancServer::~OrthancServer() { stopProcess(pid_, SIGKILL); }

}  // namespace medpipe::test
