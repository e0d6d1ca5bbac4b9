#include <iostream>

#include "medpipe/core/version.h"
#include "medpipe/io/volume_naming.h"

int main() {
  std::cout << "medpipe " << medpipe::medpipeVersion() << " sanitized=" << medpipe::sanitizeFileName("3 T1/MPRAGE")
            << "\n";
  return 0;
}
