#pragma once
// Helpers of the DICOM output tests (derived series, de-identification, convert --to-dicom): a
// series full of PHI, reading attributes back, and the dciodvfy/dcmdump validators.
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::test {

// A small CT series full of protected health information: every single-tag attribute of PS3.15
// Table E.1-1 carries a recognisable value (names in UTF-8 with non-ASCII characters,
// SpecificCharacterSet ISO_IR 192), plus private tags.
struct PhiSeriesOptions {
  std::array<unsigned, 3> size{32, 24, 4};
  // Also curve data (50xx), overlay data and comments (60xx) and an icon image: attributes the
  // profile removes but that GDCM's image reader would try to interpret, so only for file-level tests.
  bool withRepeatingGroupsAndIcon = false;
};

struct PhiSeries {
  std::vector<std::filesystem::path> files;  // slice order
  // Byte strings (UTF-8) that must not survive de-identification: every text, date, time and UID
  // value written, the names with their non-ASCII characters, private values.
  std::vector<std::string> markers;
  std::string studyUid, seriesUid, frameOfReferenceUid;
  std::vector<std::string> sopUids;  // per file
  ImageF::Pointer image;             // the voxels written (HU)
  LabelImage::Pointer labels;        // the phantom's labels on the same grid
  // The value written into each profile attribute, for per-attribute checks: tag -> bytes.
  std::vector<std::pair<std::pair<std::uint16_t, std::uint16_t>, std::string>> written;
};

PhiSeries writePhiSeries(const std::filesystem::path& folder, const PhiSeriesOptions& options = {});

std::string readBytes(const std::filesystem::path& file);

// The markers that occur in `bytes`.
std::vector<std::string> markersFoundIn(const std::string& bytes, const std::vector<std::string>& markers);

// The only volume of a DICOM folder (fails the test when there are others).
SeriesVolume onlyVolume(const std::filesystem::path& folder);

// A CT phantom series of a named patient (DOE^JANE, ID-42, born 19700101, study 20240102,
// accession ACC-7, series 3 "Source CT", body part CHEST), as a scanner would have written it.
SeriesVolume writeNamedCtSeries(const std::filesystem::path& folder, const PhantomSpec& spec);

// The value of a top-level attribute (or of `element` inside the first item of sequence
// `sequence`), padding removed; "" when absent. Uses GDCM.
std::string dicomText(const std::filesystem::path& file, std::uint16_t group, std::uint16_t element);
std::string dicomTextInItem(const std::filesystem::path& file, std::uint32_t sequence, std::uint16_t group,
                            std::uint16_t element, std::uint32_t nestedSequence = 0);
bool hasAttribute(const std::filesystem::path& file, std::uint16_t group, std::uint16_t element);

// dciodvfy's "Error" and "Warning" lines for one file (dicom3tools; fails the test when missing).
struct IodCheck {
  bool ran = false;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};
IodCheck runDciodvfy(const std::filesystem::path& file);
// The warnings not in the list medpipe accepts knowingly (see the .cxx for each and why).
std::vector<std::string> unacceptedWarnings(const IodCheck& check);
// dciodvfy without errors or unaccepted warnings, and dcmdump without complaint.
void expectValidDicom(const std::filesystem::path& file);

// dcmdump (dcmtk) on the file: its exit code and any "E:"/"W:" lines it printed.
std::vector<std::string> dcmdumpProblems(const std::filesystem::path& file);

}  // namespace medpipe::test
