#pragma once
// Regions from DICOM: RT Structure Sets and Segmentations as one kind of
// object, listed with their ROI names and the series they reference, and read
// onto an image grid as a label map with a table label -> name, colour, type.
// ROI names are not PHI; nothing here carries patient data.
#include <array>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_header.h"

namespace medpipe {

enum class RegionObjectKind { StructureSet, Segmentation };
const char* toString(RegionObjectKind kind);  // "RTSTRUCT", "SEG"

struct RegionInfo {
  std::uint8_t label = 0;  // voxel value in the label map (0 in a listing before reading)
  std::string name;        // ROIName / SegmentLabel
  std::array<std::uint8_t, 3> rgb{255, 0, 0};
  std::string type;  // RTROIInterpretedType (GTV, ORGAN, ...) or the SEG
                     // segment's property type meaning
};

struct RegionObject {
  std::filesystem::path file;
  RegionObjectKind kind = RegionObjectKind::StructureSet;
  std::string referencedSeriesUid;  // "" when the object names none
  std::vector<RegionInfo> regions;  // in the file's order, label 0
};

// RTSTRUCT or SEG by SOP class (its header is enough).
bool isRegionObject(const DicomHeader& header);

// The object's ROIs and referenced series, without rasterising. Throws
// medpipe::Error naming the file.
RegionObject describeRegionObject(const std::filesystem::path& file);

// "GTV*,Lung*" -> {"GTV*", "Lung*"} (blanks around names trimmed, empty parts
// dropped).
std::vector<std::string> splitRoiGlobs(const std::string& globs);

struct RegionMap {
  LabelImage::Pointer labels;       // on the grid; 0 outside every selected ROI
  std::vector<RegionInfo> regions;  // label 1, 2, ... in the file's order of the selected ROIs
};

struct RegionReadOptions {
  // ROI names or globs (fnmatch, case-sensitive); empty selects every ROI. Each
  // must match a ROI.
  std::vector<std::string> rois;
  // SOPInstanceUIDs of the grid's slices: a contour whose ContourImageSequence
  // names an image outside them is an error. Empty: not checked.
  std::set<std::string> sliceUids;
};

// Reads an RTSTRUCT (contours rasterised, see rasteriseStructures) or a binary
// SEG onto `grid`. Throws medpipe::Error naming the file, and for a bad contour
// the ROI and contour number; a name that matches no ROI is an error listing
// the object's ROIs.
RegionMap readRegionObject(const std::filesystem::path& file, const itk::ImageBase<3>& grid,
                           const RegionReadOptions& options = {});

// The table beside a label map: [{"label": 1, "name": ..., "color": [r, g, b],
// "type": ...}, ...] under "regions", with the object's kind ("source":
// "RTSTRUCT" or "SEG"); no file names (they may carry PHI). Written atomically.
void writeRegionTable(const std::filesystem::path& file, const RegionObject& source,
                      const std::vector<RegionInfo>& regions);

}  // namespace medpipe
