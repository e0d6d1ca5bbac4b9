// libFuzzer: bytes split at "\n--8<--\n" into up to 4 files of one folder -> indexDicomFolder ->
// readVolume on every volume found (both irregular-geometry policies). Errors must be
// medpipe::Error; aborts, sanitizer reports, other exceptions and huge allocations are findings.
// Seeds are phantom series joined with the separator (fuzz/corpus/series_reader, scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_support.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"

namespace {
constexpr char kSeparator[] = "\n--8<--\n";
constexpr size_t kMaxFiles = 4;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const fs::path folder = medpipe::fuzz::scratchDir() / "series";
  std::error_code ec;
  fs::remove_all(folder, ec);
  fs::create_directories(folder);

  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const size_t separatorLength = std::strlen(kSeparator);
  size_t start = 0;
  for (size_t n = 0; n < kMaxFiles && start <= bytes.size(); ++n) {
    size_t end = bytes.find(kSeparator, start);
    if (end == std::string::npos || n + 1 == kMaxFiles) end = bytes.size();
    const std::string name = "IM000" + std::to_string(n + 1) + ".dcm";
    medpipe::fuzz::writeBytes(folder / name, reinterpret_cast<const uint8_t*>(bytes.data()) + start, end - start);
    start = end + separatorLength;
  }

  try {
    const medpipe::DicomIndex index = medpipe::indexDicomFolder(folder);
    for (const auto& volume : index.volumes) {
      for (auto policy : {medpipe::IrregularGeometry::Fail, medpipe::IrregularGeometry::Resample}) {
        try {
          const auto image = medpipe::readVolume(volume, policy);
          (void)image->GetBufferPointer();
        } catch (const medpipe::Error&) {
        }
      }
    }
  } catch (const medpipe::Error&) {
  }
  return 0;
}
