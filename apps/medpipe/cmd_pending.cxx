// Subcommands whose implementation is still to come: they answer --help and exit with kUsage.
#include <iostream>

#include "cli_support.h"

namespace medpipe::cli {
namespace {

int notImplemented(const char* name, const Args& args) {
  CommandLine line;
  line.usage = std::string("medpipe ") + name + " [options]";
  line.options.add_options()("args", po::value<std::vector<std::string>>(), "arguments");
  line.positional.add("args", -1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  std::cerr << "medpipe " << name << ": not implemented yet\n";
  return kUsage;
}

}  // namespace

int runRender(const Args& args) { return notImplemented("render", args); }

}  // namespace medpipe::cli
