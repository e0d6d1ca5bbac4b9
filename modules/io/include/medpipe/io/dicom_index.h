#pragma once
// Discovery: every DICOM file below a folder, grouped patient -> study -> series -> volume.
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/progress.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe {

// One volume: the slices of a series that share orientation, size and echo (as dcm2niix splits),
// or one multi-frame object.
struct SeriesVolume {
  std::vector<DicomHeader> slices;  // unsorted; see buildSliceStack()
  int volumeInSeries = 1;           // 1, 2, ... where a series was split
  std::string splitReason;          // why the series was split ("" when it was not)
  // Re-sent copies of slices of this volume (same position and stored pixels), left out of it.
  struct Duplicate {
    std::filesystem::path copy, original;
  };
  std::vector<Duplicate> duplicates;
  const DicomHeader& first() const { return slices.front(); }
};

struct DicomIndex {
  std::vector<SeriesVolume> volumes;      // ordered by study, series number, volume
  std::vector<DicomHeader> nonImages;     // SR, presentation states, RT plans, DICOMDIR...
  std::vector<DicomHeader> regionObjects; // RTSTRUCT and SEG (region_objects.h): not image series
  std::vector<ErrorInfo> unreadable;      // DICOM-looking files whose header could not be read
  size_t ignoredFiles = 0;                // files that are not DICOM at all
};

DicomIndex indexDicomFolder(const std::filesystem::path& root, const Progress* progress = nullptr);

// Unreadable files by the folder they are in, as a summary reports them: a damaged series is
// usually one folder of files that all fail the same way.
struct UnreadableFolder {
  std::filesystem::path folder;
  size_t files = 0;
  ErrorInfo first;  // the first file's problem (by path)
};
std::vector<UnreadableFolder> groupUnreadableByFolder(const std::vector<ErrorInfo>& unreadable);

// Groups already-read headers (exposed for tests and for the batch planner). Reads the stored
// pixel bytes of slices that share a position, to leave re-sent copies out.
std::vector<SeriesVolume> groupIntoVolumes(std::vector<DicomHeader> headers);

}  // namespace medpipe
