// libFuzzer: bytes -> a file -> readDicomHeader. It may refuse the file with medpipe::Error (that
// is its contract); anything else — an abort inside GDCM, a sanitizer report, another exception
// type, a huge allocation — is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = medpipe::fuzz::scratchDir() / "input.dcm";
  medpipe::fuzz::writeBytes(file, data, size);
  try {
    const medpipe::DicomHeader header = medpipe::readDicomHeader(file);
    (void)header.isImage();
  } catch (const medpipe::Error&) {
  }
  return 0;
}
