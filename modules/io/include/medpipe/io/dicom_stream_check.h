#pragma once
// Structural check of a DICOM file's byte stream, done before GDCM parses it: GDCM aborts the
// process (assertions) on some malformed files, so medpipe refuses those files first.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace medpipe {

struct StreamProblem {
  std::string field;   // like "(0028,0010)", "PixelData" or "meta header"; may be empty
  std::string reason;  // e.g. "value length 4294967000 runs past the end of the file (file is 1234 bytes)"
};

// What the walk learnt about the file besides its soundness: where the pixel data are and how
// many bytes they hold, so a header's claims (Rows x Columns x NumberOfFrames x ...) can be
// checked against the data actually present before anything of that size is allocated.
struct DicomStreamLayout {
  std::optional<StreamProblem> problem;  // the first structural problem, as checkDicomStream returns it
  std::string transferSyntax;            // from the meta header; empty without one
  uint64_t dataSetOffset = 0;            // first byte after the meta header
  // The meta header says explicit VR little endian (or a compressed syntax) but the data set is
  // implicit VR. GDCM first reads such a file as explicit, allocating whatever bogus lengths that
  // reading yields (up to 4 GB), so medpipe hands GDCM a corrected copy (correctedDicomStream).
  bool implicitDespiteMeta = false;
  // Deflated data set: GDCM aborts on a damaged deflate stream, so it is given the inflated copy
  // medpipe walked (correctedDicomStream).
  bool deflated = false;
  bool needsCorrectedStream() const { return implicitDespiteMeta || deflated; }
  bool hasPixelData = false;             // a top-level (7FE0,0010) element was reached
  bool encapsulated = false;             // pixel data of undefined length: compressed fragments
  uint64_t pixelDataOffset = 0;          // where the (7FE0,0010) element starts, from the data set's
                                         // start (in the inflated data set when deflated)
  uint64_t pixelDataLength = 0;          // native: the value length; encapsulated: bytes of all fragments
  uint64_t pixelDataValueOffset = 0;     // where its value starts, counted as pixelDataOffset is
};

// Returns std::nullopt when the structure is sound, else the first problem found. Walks tags, VRs
// and lengths (PS3.5, PS3.10) with seeks only, so a 500 MB file costs a few reads; values are not
// interpreted. A deflated data set is inflated in memory (at most kMaxInflatedDataSetBytes) and walked.
std::optional<StreamProblem> checkDicomStream(const std::filesystem::path& path);

// The same walk, also reporting the pixel data layout.
DicomStreamLayout inspectDicomStream(const std::filesystem::path& path);

// For a file with layout.needsCorrectedStream(): the file as GDCM should read it, its data set cut
// after `dataSetEnd` bytes: deflated data inflated, and the meta header's TransferSyntaxUID
// saying how the data set is really encoded (explicit or implicit VR little endian).
std::string correctedDicomStream(const std::filesystem::path& path, const DicomStreamLayout& layout,
                                 uint64_t dataSetEnd = UINT64_MAX);

}  // namespace medpipe
