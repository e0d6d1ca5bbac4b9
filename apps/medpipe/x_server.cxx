#include "x_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "program_path.h"

namespace medpipe::cli {
namespace {

constexpr int kStartTimeoutMs = 20000;

[[noreturn]] void execXvfb(const std::string& xvfb, int displayFd, pid_t parent) {
  // Xvfb must not outlive medpipe, even when medpipe is killed or VTK aborts it.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(1);
  const int devnull = ::open("/dev/null", O_RDWR);
  ::dup2(devnull, STDIN_FILENO), ::dup2(devnull, STDOUT_FILENO), ::dup2(devnull, STDERR_FILENO);
  const std::string fd = std::to_string(displayFd);
  ::execl(xvfb.c_str(), "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1920x1080x24", "-nolisten", "tcp",
          static_cast<char*>(nullptr));
  ::_exit(127);
}

// The display number Xvfb writes to the pipe once it accepts connections; -1 if it never does.
int readDisplayNumber(int fd) {
  std::string text;
  for (;;) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, kStartTimeoutMs) <= 0) return -1;
    char buffer[32];
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0) return -1;
    text.append(buffer, static_cast<size_t>(got));
    if (text.find('\n') != std::string::npos) break;
  }
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::unique_ptr<PrivateXServer> PrivateXServer::startIfNoDisplay() {
  const char* display = std::getenv("DISPLAY");
  if (display && *display) return nullptr;
  const char* forbid = std::getenv("MEDPIPE_NO_XVFB");
  if (forbid && *forbid && std::string(forbid) != "0")
    throw Error("", "DISPLAY", "no X display, and MEDPIPE_NO_XVFB forbids starting Xvfb: set DISPLAY");
  const std::string xvfb = findProgram("Xvfb");
  if (xvfb.empty())
    throw Error("", "DISPLAY",
                "no X display, and Xvfb is not installed (apt-get install xvfb, see scripts/install-deps.sh): "
                "VTK here renders through GLX and needs an X server; set DISPLAY or install Xvfb");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error("", "DISPLAY", "cannot start Xvfb: no pipe");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    throw Error("", "DISPLAY", "cannot start Xvfb: fork failed");
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::fcntl(fds[1], F_SETFD, 0);  // the write end goes to Xvfb
    execXvfb(xvfb, fds[1], parent);
  }
  ::close(fds[1]);
  auto server = std::make_unique<PrivateXServer>(pid);  // stops Xvfb on every path from here
  const int number = readDisplayNumber(fds[0]);
  ::close(fds[0]);
  if (number < 0) throw Error("", "DISPLAY", "Xvfb (" + xvfb + ") did not start");
  const std::string name = ":" + std::to_string(number);
  ::setenv("DISPLAY", name.c_str(), 1);
  logDebug("started Xvfb on display " + name);
  return server;
}

PrivateXServer::~PrivateXServer() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  ::unsetenv("DISPLAY");
}

}  // namespace medpipe::cli
