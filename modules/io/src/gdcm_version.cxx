#include "medpipe/io/gdcm_version.h"

#include <gdcmVersion.h>

namespace medpipe {
std::string gdcmVersion() { return gdcm::Version::GetVersion(); }
}  // namespace medpipe
