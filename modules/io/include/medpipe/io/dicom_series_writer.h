#pragma once
// Writes a volume as a single-frame DICOM series with GDCM: one file per slice along the
// image's third axis, IPP/IOP/PixelSpacing from the image geometry, stored integers with
// RescaleSlope/Intercept so the float values survive.
#include <filesystem>
#include <string>

#include "medpipe/core/image.h"

namespace medpipe {

struct DicomSeriesInfo {
  std::string patientName;
  std::string patientId;
  std::string patientBirthDate;
  std::string patientSex;
  std::string studyInstanceUid;     // generated when empty
  std::string seriesInstanceUid;    // generated when empty
  std::string frameOfReferenceUid;  // generated when empty
  std::string studyId = "1";
  std::string studyDate;            // YYYYMMDD
  std::string studyTime;            // HHMMSS
  std::string studyDescription;
  std::string accessionNumber;
  int seriesNumber = 1;
  std::string seriesDescription;
  std::string modality = "CT";      // CT and MR get their own SOP class; others Secondary Capture
  std::string manufacturer = "medpipe";
  std::string imageType = "ORIGINAL\\PRIMARY\\AXIAL";
  std::string bodyPartExamined;  // written when not empty
  double rescaleSlope = 1;
  double rescaleIntercept = 0;
};

// File names are <prefix><4-digit index>.dcm unless `fileName` is given a custom callback later.
// Throws medpipe::Error when a value does not fit the stored type or a file cannot be written.
void writeDicomSeries(const ImageF& image, const std::filesystem::path& folder, DicomSeriesInfo info,
                      const std::string& filePrefix = "IM");

std::string generateDicomUid();

}  // namespace medpipe
