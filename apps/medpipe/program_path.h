#pragma once
// Finding helper programs (Xvfb, ImageMagick) the way a shell would.
#include <string>

namespace medpipe::cli {

// The first executable `name` in a PATH folder; empty when there is none.
std::string findProgram(const std::string& name);

}  // namespace medpipe::cli
