#pragma once
// What the scanner did for one series, without PHI: the facts a cohort table sets beside the
// measurements (modality, scanner, acquisition, geometry, health findings).
#include <array>
#include <filesystem>
#include <limits>
#include <string>

#include "medpipe/io/dicom_index.h"

namespace medpipe::cohort {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct SeriesFacts {
  std::string modality, manufacturer, model, kernel;
  double kvp = kMissing, tubeCurrentMa = kMissing, sliceThicknessMm = kMissing;
  std::array<double, 3> spacingMm{kMissing, kMissing, kMissing};  // column, row, slice (measured from positions)
  std::array<long long, 3> size{0, 0, 0};                          // columns, rows, slices as acquired
  long long slicesRead = 0;
  long long missingSlices = 0;  // gaps along the normal where slices are absent
  bool nonUniformSpacing = false;
  double gantryTiltDegrees = 0;
  std::string health;  // "OK" or the findings, as `medpipe scan` reports them
  // Hashed identifiers (hashIdentifier): link series of one study without revealing the UIDs.
  std::string seriesUidHash, studyUidHash;
  // PHI, filled only when asked (--show-phi).
  std::string seriesUid, studyUid, patientId, accessionNumber;
};

// The facts of one DICOM volume from its headers (the first file is read again for model, tube
// current and kernel, which the index does not keep). Throws medpipe::Error naming the file.
SeriesFacts seriesFactsFromVolume(const SeriesVolume& volume, bool includePhi);

// series.json in a unit folder: written atomically; PHI fields only when they are set.
void writeSeriesFacts(const SeriesFacts& facts, const std::filesystem::path& path);
SeriesFacts readSeriesFacts(const std::filesystem::path& path);

// A one-way 16-hex-digit hash (FNV-1a 64) of an identifier. Long random UIDs cannot be guessed
// back from it; a short patient ID could be, so patient IDs are never hashed, only shown with --show-phi.
std::string hashIdentifier(const std::string& value);

}  // namespace medpipe::cohort
