#pragma once
// Siemens MOSAIC images: one stored image holding the slices of a volume as
// tiles.
#include <vector>

#include "medpipe/io/dicom_header.h"

namespace medpipe {

// The tiles of a mosaic as virtual slices (tileIndex set, rows/columns the
// tile's, each placed where dcm2niix places it); any other header, or a mosaic
// that cannot be split (its pixelDataProblem says why), is returned unchanged.
std::vector<DicomHeader> expandMosaic(DicomHeader h);

}  // namespace medpipe
