#include "medpipe/core/version.h"

#include <itkVersion.h>

#include "version_config.h"

namespace medpipe {

std::string medpipeVersion() { return MEDPIPE_VERSION_STRING; }
std::string itkVersion() { return itk::Version::GetITKVersion(); }

}  // namespace medpipe
