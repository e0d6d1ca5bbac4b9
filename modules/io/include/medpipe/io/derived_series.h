#pragma once
// Results back into DICOM: a volume computed from a source series, written as a new single-frame
// series of the same patient, study and frame of reference (ImageType DERIVED\SECONDARY), with
// references to the source series and, per slice, to the nearest source slice.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"

namespace medpipe {

class Deidentifier;

// How voxel values are stored: value = stored * slope + intercept, stored in 16 bits.
struct StoredRescale {
  double slope = 1;
  double intercept = 0;
};

// Whole numbers that fit are stored exactly: CT (HU) with intercept -1024 and slope 1 when they fit
// in [-1024, 64511], else uint16 or int16 with slope 1. Other values are spread over 16 bits from
// their range (error at most slope / 2). Throws medpipe::Error for NaN or infinite voxels.
StoredRescale chooseRescale(const ImageF& image, const std::string& modality);

struct DerivedSeriesOptions {
  std::string seriesDescription;               // "" -> the source's description + " (medpipe)"
  std::optional<int> seriesNumber;             // default: the source's series number + 1000
  std::string derivationDescription;           // DerivationDescription (0008,2111); omitted when empty
  std::optional<StoredRescale> rescale;        // default: chooseRescale()
  std::string rescaleType;                     // RescaleType (0028,1054); "" -> HU for CT, US (unspecified) otherwise
  std::string filePrefix = "IM";               // files <prefix>0001.dcm, ...
  bool overwrite = false;                      // replace an existing, non-empty folder
  const Deidentifier* deidentifier = nullptr;  // when set, every file is de-identified as it is written
};

struct DerivedSeries {
  std::filesystem::path folder;
  std::vector<std::filesystem::path> files;  // in slice order
  std::string seriesInstanceUid;             // as written (after de-identification)
  StoredRescale rescale;
};

// Writes `image` (any grid: slices along its third axis) as a derived series of `source` into
// `folder`, which appears whole or not at all. Patient, study and frame of reference attributes
// are copied from the source's first file; the series and instance UIDs are new. Throws
// medpipe::Error naming the file or folder.
DerivedSeries writeDerivedSeries(const ImageF& image, const SeriesVolume& source, const DerivedSeriesOptions& options,
                                 const std::filesystem::path& folder);

}  // namespace medpipe
