// medpipe slicer-xml STAGE | --wrappers DIR: a stage's 3D Slicer Execution Model description, or
// one small executable per stage that Slicer finds as a CLI module (it runs `medpipe-NAME --xml`).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_support.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "slicer_module.h"

namespace medpipe::cli {
namespace {

namespace fs = std::filesystem;

std::string shellQuoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// DIR/medpipe-NAME for every stage: `exec medpipe slicer-cli NAME "$@"`; Slicer runs it with --xml
// to learn the module, then with the module's arguments.
void writeWrappers(const fs::path& folder) {
  fs::create_directories(folder);
  const fs::path self = fs::read_symlink("/proc/self/exe");
  for (const Stage* stage : allStages()) {
    const std::string name = stage->spec().name;
    const fs::path script = folder / ("medpipe-" + name);
    writeAtomically(script, [&](const fs::path& tmp) {
      std::ofstream out(tmp);
      out << "#!/bin/sh\n# 3D Slicer CLI module for the medpipe stage '" << name
          << "' (medpipe slicer-xml --wrappers)\n"
          << "exec " << shellQuoted(self.string()) << " slicer-cli " << name << " \"$@\"\n";
      if (!out) throw Error(tmp.string(), "", "cannot write");
    });
    fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
    std::cout << script.string() << "\n";
  }
}

}  // namespace

int runSlicerXml(const Args& args) {
  CommandLine line;
  line.usage = "medpipe slicer-xml STAGE [-o FILE] | medpipe slicer-xml --wrappers DIR";
  std::string name, output, wrappers;
  line.options.add_options()("stage", po::value(&name), "the stage to describe")(
      "output,o", po::value(&output), "write the XML to FILE instead of stdout")(
      "wrappers", po::value(&wrappers),
      "write an executable DIR/medpipe-STAGE for every stage; add DIR to Slicer's additional module paths");
  line.positional.add("stage", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  if (name.empty() == wrappers.empty()) {
    std::cerr << "medpipe: error: give a STAGE or --wrappers DIR\nUsage: " << line.usage << " (see --help)\n";
    return kUsage;
  }
  return reportErrors("slicer-xml", [&] {
    if (!wrappers.empty()) {
      writeWrappers(wrappers);
      return kSuccess;
    }
    const std::string xml = slicerModuleXml(findStage(name).spec());
    if (output.empty()) {
      std::cout << xml;
    } else {
      writeAtomically(output, [&](const fs::path& tmp) {
        std::ofstream out(tmp);
        out << xml;
        if (!out) throw Error(tmp.string(), "", "cannot write");
      });
    }
    return kSuccess;
  });
}

}  // namespace medpipe::cli
