#pragma once
#include <string>

namespace medpipe {

std::string medpipeVersion();  // e.g. "0.1.0"
std::string itkVersion();      // ITK the library was built against

}  // namespace medpipe
