#pragma once
// DICOM folder or export -> one image file (+ JSON sidecar) per volume.
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_volume_reader.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/series_selector.h"

namespace medpipe {

struct ConversionOptions {
  std::filesystem::path input;
  std::filesystem::path outputFolder;
  ImageFormat format = ImageFormat::NiftiGz;
  SeriesSelector selector;
  IrregularGeometry irregular = IrregularGeometry::Resample;
  // Volumes of a series that repeat the same positions (fMRI, diffusion) as one 4D file (--4d,
  // the default, as dcm2niix), or one file per volume (--3d). DICOM output is always per volume.
  bool fourD = true;
  // Philips MR: Philips' floating-point values, (stored x RescaleSlope + RescaleIntercept) /
  // (RescaleSlope x ScaleSlope) as dcm2niix writes by default (--philips-scaling float), instead of
  // the DICOM rescale alone (display values, the default). The sidecar says which was applied.
  bool philipsFloat = false;
  bool overwrite = false;   // --force
  bool includePhi = false;  // in sidecars
  ImageWriteOptions write;
  // Each volume as a derived DICOM series, <outputFolder>/<stem>/IM0001.dcm..., instead of an image
  // file and sidecar (see writeDerivedSeries).
  bool toDicom = false;
  // DICOM output goes through the PS3.15 basic profile (Deidentifier); output names leave out the
  // series description, and sidecars carry no PHI whatever includePhi says.
  bool deidentify = false;
  // With deidentify and toDicom: the UID mapping is loaded from this CSV when it exists and saved
  // to it after the run, so later runs map the same UIDs the same way. Empty: kept in memory only.
  std::filesystem::path uidMap;
  // RTSTRUCT and SEG objects of the input are written beside the volume of the series they
  // reference (image output only): one label map per object and a JSON table label -> ROI name,
  // colour, type. `rois`: the ROI names or globs to keep (every one must match), empty keeps all.
  bool regions = true;
  std::vector<std::string> rois;
};

struct ConvertedVolume {
  std::filesystem::path image;    // the image file, or the folder of a DICOM series
  std::filesystem::path sidecar;  // empty for DICOM output
  std::string health;
  size_t volumes = 1;                  // > 1 for a 4D file
  std::filesystem::path bval, bvec;    // FSL gradient files of a 4D diffusion series, else empty
};

struct ConvertedRegions {
  std::filesystem::path labels, table;  // "<volume stem>_rtstruct.nii.gz" / "_seg", and ".json"
  std::string kind;                     // RTSTRUCT or SEG
  std::vector<std::string> names;       // the ROIs written, label 1, 2, ...
};

struct ConversionReport {
  std::vector<ConvertedVolume> written;
  std::vector<ConvertedRegions> regions;
  std::vector<ErrorInfo> failed;  // volumes and region objects that could not be converted
  size_t skippedNonImages = 0;
  std::vector<ErrorInfo> unreadableFiles;  // DICOM files whose header could not be read: skipped
};

// Throws medpipe::Error when the input holds no matching DICOM image at all; a volume that fails
// is recorded in `failed` and the others go on.
ConversionReport convertDicom(const ConversionOptions& options, const Progress* progress = nullptr);

// Reads one volume: single-frame stacks are sorted and checked; throws medpipe::Error.
ImageF::Pointer readVolume(const SeriesVolume& volume, IrregularGeometry irregular, StackHealth* health = nullptr,
                           const Progress* progress = nullptr);

}  // namespace medpipe
