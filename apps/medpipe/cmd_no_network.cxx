// pacs and listen in a build without DCMTK (MEDPIPE_WITH_NETWORK=OFF): say so, exit with kUsage.
#include <iostream>

#include "cli_support.h"

namespace medpipe::cli {
namespace {
int notBuilt(const char* command) {
  std::cerr << "medpipe " << command
            << ": error: this medpipe was built without DICOM networking (MEDPIPE_WITH_NETWORK=OFF; needs libdcmtk-dev and libcurl4-openssl-dev)\n";
  return kUsage;
}
}  // namespace

int runPacs(const Args&) { return notBuilt("pacs"); }
int runListen(const Args&) { return notBuilt("listen"); }

}  // namespace medpipe::cli
