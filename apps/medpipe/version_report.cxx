#include <sstream>

#include "commands.h"
#include "medpipe/core/version.h"
#include "medpipe/io/gdcm_version.h"

namespace medpipe::cli {

std::string versionReport() {
  std::ostringstream out;
  out << "medpipe " << medpipeVersion() << "\n"
      << "ITK " << itkVersion() << "\n"
      << "GDCM " << gdcmVersion() << "\n";
#ifdef MEDPIPE_WITH_VTK
  out << "VTK " << MEDPIPE_VTK_VERSION << "\n";  // medpipe-render's; medpipe itself does not load VTK
#else
  out << "VTK (not built in)\n";
#endif
  return out.str();
}

}  // namespace medpipe::cli
