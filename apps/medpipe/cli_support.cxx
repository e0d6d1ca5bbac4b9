#include "cli_support.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/deep/network.h"

namespace medpipe::cli {

std::optional<int> parseCommandLine(const Args& args, CommandLine& line, po::variables_map& vm) {
  line.options.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(line.options).positional(line.positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Usage: " << line.usage << "\n\n" << line.options << "\n";
      return kSuccess;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "medpipe: error: " << e.what() << "\nUsage: " << line.usage << " (see --help)\n";
    return kUsage;
  }
  return std::nullopt;
}

int reportErrors(const std::string& command, const std::function<int()>& body,
                 const std::map<std::string, std::string>& flags) {
  try {
    return body();
  } catch (const Error& e) {
    ErrorInfo info = e.info();
    if (flags.count(info.field)) info.field = flags.at(info.field);
    if (flags.count(info.path)) info.path = flags.at(info.path);
    std::cerr << "medpipe " << command << ": error: " << formatError(info) << "\n";
    if (info.reason == deep::kWithoutTorch) return kUsage;  // a feature this build lacks (docs/deep-learning.md)
  } catch (const std::exception& e) {
    std::cerr << "medpipe " << command << ": error: " << e.what() << "\n";
  }
  return kFailure;
}

void installLogSink(bool quiet, bool verbose) {
  setLogSink([quiet, verbose](LogLevel level, const std::string& message) {
    if (level == LogLevel::Debug && !verbose) return;
    if (level == LogLevel::Info && quiet) return;
    std::cerr << "medpipe: " << toString(level) << ": " << message << "\n";
  });
}

Progress terminalProgress(const std::string& label) {
  if (!::isatty(STDERR_FILENO)) return Progress();
  return Progress([label](double fraction, const std::string& what) {
    std::fprintf(stderr, "\r%s: %-24s %3d%%", label.c_str(), what.c_str(), static_cast<int>(fraction * 100));
    if (fraction >= 1.0) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  });
}

}  // namespace medpipe::cli

namespace medpipe::cli {

std::pair<unsigned, unsigned> parsePictureSize(const std::string& option, const std::string& text) {
  unsigned w = 0, h = 0;
  char x = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%n", &w, &x, &h, &used) != 3 || x != 'x' ||
      static_cast<size_t>(used) != text.size() || w == 0 || h == 0)
    throw Error("", option, "'" + text + "' is not WIDTHxHEIGHT in pixels");
  return {w, h};
}

}  // namespace medpipe::cli
