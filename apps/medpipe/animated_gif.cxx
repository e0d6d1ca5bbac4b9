#include "animated_gif.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "program_path.h"

extern char** environ;

namespace medpipe::cli {
namespace {

// ImageMagick 7, then Debian's ImageMagick 6 under its own name, then whatever `convert` is.
std::string findEncoder() {
  for (const char* name : {"magick", "convert-im6.q16", "convert"})
    if (auto found = findProgram(name); !found.empty()) return found;
  return {};
}

// Runs argv without a shell (file names need no quoting), its output discarded; the exit status.
int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::optional<std::string> writeAnimatedGif(const std::vector<std::filesystem::path>& frames,
                                            const std::filesystem::path& gif, int delayCentiseconds) {
  const std::string encoder = findEncoder();
  if (encoder.empty()) return std::nullopt;
  writeAtomically(gif, [&](const std::filesystem::path& tmp) {
    std::vector<std::string> argv = {encoder, "-delay", std::to_string(delayCentiseconds), "-loop", "0"};
    for (const auto& frame : frames) argv.push_back(frame.string());
    argv.push_back(tmp.string());
    if (run(argv) != 0 || !std::filesystem::exists(tmp))
      throw Error(gif.string(), "", "the GIF encoder " + encoder + " failed");
  });
  return std::filesystem::path(encoder).filename().string();
}

}  // namespace medpipe::cli
