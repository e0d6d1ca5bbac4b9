#pragma once
// Structural check of a DICOM file's byte stream, done before GDCM parses it: GDCM aborts the
// process (assertions) on some malformed files, so medpipe refuses those files first.
#include <filesystem>
#include <optional>
#include <string>

namespace medpipe {

struct StreamProblem {
  std::string field;   // like "(0028,0010)", "PixelData" or "meta header"; may be empty
  std::string reason;  // e.g. "value length 4294967000 runs past the end of the file (file is 1234 bytes)"
};

// Returns std::nullopt when the structure is sound, else the first problem found. Walks tags, VRs
// and lengths (PS3.5, PS3.10) with seeks only, so a 500 MB file costs a few reads; values are not
// interpreted. Deflated data sets are not walked (only their meta header is checked).
std::optional<StreamProblem> checkDicomStream(const std::filesystem::path& path);

}  // namespace medpipe
