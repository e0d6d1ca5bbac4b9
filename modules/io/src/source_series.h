#pragma once
// What a derived object (series or segmentation) takes from its source series (private to io):
// the patient, study and frame-of-reference attributes, and references to the source slices.
#include <gdcmDataSet.h>

#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"

namespace medpipe::dicom {

// The source's first file, read up to the pixel data. Throws medpipe::Error.
gdcm::DataSet readSourceDataSet(const SeriesVolume& source);

// Patient, Clinical Trial Subject, General Study, Patient Study and Clinical Trial Study modules,
// SpecificCharacterSet, de-identification flags and the Frame of Reference module, as the source
// has them; the Type 2 ones the source lacks are added empty.
gdcm::DataSet patientStudyAttributes(const gdcm::DataSet& source);

// One source image (a file, or a frame of a multi-frame file) and where it lies along the normal.
struct SourceImage {
  std::string sopClassUid;
  std::string sopInstanceUid;
  int frameNumber = 0;  // 1-based frame of a multi-frame source; 0 for single-frame files
  double along = 0;     // ImagePositionPatient projected on the source slice normal, mm
};

class SourceImages {
 public:
  explicit SourceImages(const SeriesVolume& source);
  // The source image closest to the plane through `position` (LPS, mm) along the source normal.
  const SourceImage& nearest(const ImageF::PointType& position) const;
  // The median distance between neighbouring source images (0 for a single image).
  double typicalSpacing() const;
  const std::vector<SourceImage>& all() const { return images_; }

 private:
  std::vector<SourceImage> images_;  // sorted by `along`
  std::array<double, 3> normal_{0, 0, 1};
};

// A Source Image Sequence / Derivation Image Sequence item referencing `image`, with purpose of
// reference (121322, DCM, "Source image for image processing operation").
gdcm::DataSet sourceImageItem(const SourceImage& image);

// A Referenced Series Sequence item (Common Instance Reference module): the source series and the
// instances of it this object references.
gdcm::DataSet referencedSeriesItem(const std::string& seriesInstanceUid, const std::vector<SourceImage>& images);

// Writes a folder's content through `write(tmpFolder)` beside it, then renames it into place, so
// the folder appears whole or not at all. An existing non-empty folder is an error unless
// `overwrite`, then it is replaced. Throws medpipe::Error.
void writeFolderAtomically(const std::filesystem::path& folder, bool overwrite,
                           const std::function<void(const std::filesystem::path& tmpFolder)>& write);

}  // namespace medpipe::dicom
