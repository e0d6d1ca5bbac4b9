#include "render_helper.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <vector>

#include "cli_support.h"

extern char** environ;

namespace medpipe::cli {
namespace {

std::vector<char*> argvOf(std::vector<std::string>& words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return argv;
}

// The first line of `log` without VTK's colour codes (ESC [ ... m) and medpipe's command prefix.
std::string firstProblem(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, problem;
  std::getline(in, line);
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\033')
      i = std::min(line.find('m', i), line.size());
    else
      problem += line[i];
  }
  const size_t prefix = problem.rfind("medpipe ", 0) == 0 ? problem.find(": error: ") : std::string::npos;
  if (prefix != std::string::npos) problem.erase(0, prefix + std::strlen(": error: "));
  return problem;
}

}  // namespace

std::filesystem::path renderHelperPath() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path("medpipe") : self).parent_path() / "medpipe-render";
}

int execRenderHelper(const std::string& command, const Args& args) {
  std::vector<std::string> words = {renderHelperPath().string(), command};
  words.insert(words.end(), args.begin(), args.end());
  auto argv = argvOf(words);
  ::execv(argv[0], argv.data());
  std::cerr << "medpipe " << command << ": error: cannot start " << words[0] << ": " << std::strerror(errno)
            << " (medpipe-render is installed beside medpipe and renders in 3D)\n";
  return kFailure;
}

int startRenderHelper(const Args& args, const std::filesystem::path& log, std::string& problem) {
  std::vector<std::string> words = {renderHelperPath().string()};
  words.insert(words.end(), args.begin(), args.end());
  auto argv = argvOf(words);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == 0) return pid;
  problem = "cannot start " + words[0] + ": " + std::strerror(spawned);
  return 0;
}

std::string waitForRenderHelper(int pid, const std::filesystem::path& log) {
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return "lost medpipe-render";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  const std::string problem = firstProblem(log);
  if (!problem.empty()) return problem;
  return WIFSIGNALED(status) ? "medpipe-render ended by signal " + std::to_string(WTERMSIG(status)) : "medpipe-render failed";
}

std::string runRenderHelper(const Args& args, const std::filesystem::path& log) {
  std::string problem;
  const int pid = startRenderHelper(args, log, problem);
  return pid > 0 ? waitForRenderHelper(pid, log) : problem;
}

}  // namespace medpipe::cli
