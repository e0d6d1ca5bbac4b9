#pragma once
// The part of writing a single-frame DICOM series that every writer shares (private to io):
// one file per slice along the image's third axis, Image Pixel and Image Plane attributes from the
// image, 16-bit stored values with RescaleSlope/Intercept; the caller adds everything else.
#include <gdcmDataSet.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe::dicom {

struct StoredPixels {
  double slope = 1;
  double intercept = 0;
  bool isSigned = false;  // int16 when some stored value is negative, else uint16
};

// Checks that every voxel maps to a 16-bit stored value with this slope/intercept and picks the
// signedness. Throws medpipe::Error naming `where` when they do not fit.
StoredPixels planStoredPixels(const ImageF& image, double slope, double intercept, const std::string& where);

// Adds the attributes of slice `k` (0-based) that the image does not give: SOP class and instance,
// patient, study, series... Called once per slice before the file is written.
using SliceAttributes = std::function<void(gdcm::DataSet& dataSet, unsigned k)>;

// Writes <folder>/<prefix>0001.dcm ... (Explicit VR Little Endian), each file atomically, and
// returns their paths in slice order. Throws medpipe::Error.
std::vector<std::filesystem::path> writeSliceFiles(const ImageF& image, const std::filesystem::path& folder,
                                                   const std::string& filePrefix, const StoredPixels& stored,
                                                   const SliceAttributes& addAttributes);

// CT Image Storage for CT, MR Image Storage for MR, Secondary Capture for anything else.
std::string imageStorageSopClass(const std::string& modality);

// The physical position (LPS, mm) of the first voxel of slice k: its ImagePositionPatient.
itk::Point<double, 3> slicePosition(const itk::ImageBase<3>& image, unsigned k);

}  // namespace medpipe::dicom
