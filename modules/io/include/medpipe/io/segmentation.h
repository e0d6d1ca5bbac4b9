#pragma once
// Label maps back into DICOM: a binary DICOM Segmentation (SEG) object, one segment per label,
// in the study and frame of reference of the source series; and reading one back onto a grid.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"

namespace medpipe {

class Deidentifier;

struct CodedConcept {
  std::string value;
  std::string scheme;
  std::string meaning;
};

struct SegmentDescription {
  std::uint8_t label = 1;                      // voxel value of the segment in the label map
  std::string name;                            // SegmentLabel (0062,0005)
  std::array<std::uint8_t, 3> rgb{255, 0, 0};  // RecommendedDisplayCIELabValue, given as sRGB
  // SegmentedPropertyCategory/TypeCodeSequence; "Tissue" (SNOMED CT 85756007) when not known.
  CodedConcept category{"85756007", "SCT", "Tissue"};
  CodedConcept type{"85756007", "SCT", "Tissue"};
};

struct SegmentationOptions {
  // One segment per entry, numbered 1, 2, ... in this order. Empty: one per label present in the
  // map, in ascending order, named "Label <n>", with colours from a fixed palette.
  std::vector<SegmentDescription> segments;
  std::string seriesDescription = "Segmentation";
  std::optional<int> seriesNumber;            // default: the source's series number + 1000
  std::string contentLabel = "SEGMENTATION";  // ContentLabel (0070,0080): CS, upper case
  std::string algorithmName = "medpipe";      // SegmentAlgorithmName; algorithm type AUTOMATIC
  bool overwrite = false;
  const Deidentifier* deidentifier = nullptr;  // de-identify the object before it is written
};

struct WrittenSegmentation {
  std::filesystem::path file;
  std::string seriesInstanceUid;  // as written (after de-identification)
  size_t frames = 0;              // one per segment and slice where the segment is present
};

// Writes `labels` (slices along its third axis) as a binary SEG object into `file`, atomically.
// Frames reference the nearest source slice; empty frames are left out. Throws medpipe::Error.
WrittenSegmentation writeSegmentation(const LabelImage& labels, const SeriesVolume& source,
                                      const SegmentationOptions& options, const std::filesystem::path& file);

struct Segmentation {
  LabelImage::Pointer labels;                // voxel value = segment number
  std::vector<SegmentDescription> segments;  // label = segment number
};

// Reads a binary SEG object onto `grid` (size, spacing, origin, direction): every frame must lie on
// one of the grid's slices. Throws medpipe::Error naming the file and the attribute at fault.
Segmentation readSegmentation(const std::filesystem::path& file, const itk::ImageBase<3>& grid);

// The segments of a SEG object without its frames, and the SeriesInstanceUID of its first
// ReferencedSeriesSequence item ("" when none). Throws medpipe::Error naming the file.
std::vector<SegmentDescription> readSegmentDescriptions(const std::filesystem::path& file,
                                                        std::string* referencedSeriesUid = nullptr);

}  // namespace medpipe
