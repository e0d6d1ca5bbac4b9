#pragma once
// Debian's VTK renders through GLX only: even offscreen it needs an X server, and without one it
// aborts the process. When DISPLAY is unset, medpipe starts a private Xvfb for the life of the
// command. Xvfb picks a free display number itself (-displayfd), so parallel runs (ctest -j) never
// race for one as `xvfb-run -a` can.
#include <sys/types.h>

#include <memory>

namespace medpipe::cli {

class PrivateXServer {
 public:
  // nullptr when DISPLAY is already set. Otherwise starts Xvfb and sets DISPLAY for this process.
  // Throws medpipe::Error when Xvfb is missing or fails, or when MEDPIPE_NO_XVFB=1 forbids it.
  static std::unique_ptr<PrivateXServer> startIfNoDisplay();

  explicit PrivateXServer(pid_t pid) : pid_(pid) {}
  ~PrivateXServer();  // stops Xvfb; it also dies with medpipe if medpipe is killed
  PrivateXServer(const PrivateXServer&) = delete;
  PrivateXServer& operator=(const PrivateXServer&) = delete;

 private:
  pid_t pid_;
};

}  // namespace medpipe::cli
