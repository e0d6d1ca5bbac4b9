#pragma once
#include <string>

namespace medpipe {
std::string gdcmVersion();  // GDCM the io module was built against
}
