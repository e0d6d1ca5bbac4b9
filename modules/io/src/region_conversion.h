#pragma once
// convert: RTSTRUCT / SEG objects of a series written beside its converted
// volume (private to io).
#include <vector>

#include "medpipe/io/dicom_conversion.h"

namespace medpipe {

// One label map "<stem>_<rtstruct|seg>[k]<ext>" and table "<same>.json" per
// object, on `grid` (the volume as converted). An object that fails is added to
// `failed` (file, field, ROI and contour).
std::vector<ConvertedRegions> convertRegionObjects(const std::vector<const DicomHeader*>& objects,
                                                   const SeriesVolume& volume, const ImageF& grid,
                                                   const std::string& stem, const ConversionOptions& options,
                                                   std::vector<ErrorInfo>& failed);

}  // namespace medpipe
