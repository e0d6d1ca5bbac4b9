#pragma once
// Writes a volume as ONE enhanced multi-frame DICOM object (Enhanced CT / Enhanced MR Image
// Storage): frames along the image's third axis, geometry in the shared and per-frame functional
// groups (PixelMeasures, PlaneOrientation, PlanePosition, PixelValueTransformation), as modern
// scanners export. Used by `medpipe phantom --multiframe` and the multi-frame tests.
#include <filesystem>

#include "medpipe/io/dicom_series_writer.h"

namespace medpipe {

// Throws medpipe::Error naming the file when values do not fit 16-bit storage or it cannot be written.
void writeEnhancedMultiFrame(const ImageF& image, const std::filesystem::path& file, DicomSeriesInfo info);

}  // namespace medpipe
