#pragma once
// What every subcommand shares: option parsing with --help, error reporting, log and progress output.
#include <boost/program_options.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "commands.h"
#include "medpipe/core/progress.h"

namespace medpipe::cli {

namespace po = boost::program_options;

// 3: the work finished but some input files could not be read (and were left out); a failed unit
// or volume (1) takes precedence. 130: 128 + SIGINT.
enum ExitCode : int { kSuccess = 0, kFailure = 1, kUsage = 2, kUnreadableInput = 3, kInterrupted = 130 };

struct CommandLine {
  std::string usage;  // "medpipe convert DIR -o OUTDIR [options]"
  po::options_description options{"Options"};
  po::positional_options_description positional;
};

// Parses args; prints help (returns kSuccess) or a usage error (returns kUsage) and leaves `vm`
// empty-handed in those cases. Returns nullopt when the command should go on.
std::optional<int> parseCommandLine(const Args& args, CommandLine& line, po::variables_map& vm);

// Runs body, turning medpipe::Error and other exceptions into a one-line message on stderr.
// Library errors name the field ("series"); `flags` maps the fields (or paths) whose values this
// command took from its command line to the flag, which the message then names ("--series").
int reportErrors(const std::string& command, const std::function<int()>& body,
                 const std::map<std::string, std::string>& flags = {});

// Installs a stderr log sink honouring --quiet / --verbose.
void installLogSink(bool quiet, bool verbose);

// "512x384" -> {512, 384}; throws medpipe::Error naming `option` otherwise.
std::pair<unsigned, unsigned> parsePictureSize(const std::string& option, const std::string& text);

// A progress line on stderr when it is a terminal; silent otherwise.
Progress terminalProgress(const std::string& label);

}  // namespace medpipe::cli
