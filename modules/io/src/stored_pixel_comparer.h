#pragma once
// Tells a re-sent copy of a slice (same position, same stored pixels, a new SOP Instance UID) from
// another slice at the same position (a repeat, a dynamic), without decoding: by the bytes of the
// PixelData element as stored in the file. Private to io (series grouping in dicom_index.cxx).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>

#include "medpipe/io/dicom_header.h"

namespace medpipe {

class StoredPixelComparer {
 public:
  // True when both files hold the same pixel format, rescale and stored pixel data (the PixelData
  // element and what follows it, byte for byte); false when they differ or either cannot be read
  // that way (a deflated data set, damaged pixel data). Each file's pixel bytes are read at most
  // once, and only its middle 4 KiB unless that matches the other file's.
  bool samePixels(const DicomHeader& a, const DicomHeader& b);

 private:
  struct Digest {
    bool readable = false;
    uint64_t offset = 0, size = 0;  // the PixelData element in the file, to the file's end
    uint64_t sample = 0;            // FNV-1a of the middle 4 KiB
    std::optional<uint64_t> full;   // FNV-1a of all `size` bytes, once asked for
  };
  Digest& digest(const DicomHeader& h);
  uint64_t fullDigest(const DicomHeader& h, Digest& d);

  std::map<std::filesystem::path, Digest> digests_;
};

}  // namespace medpipe
