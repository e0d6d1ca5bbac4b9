#pragma once
// Label maps as surface meshes for 3D Slicer, printing or CAD: STL (binary), OBJ or VTP, chosen
// by the file extension. Coordinates are millimetres in LPS (DICOM's and ITK's patient space, the
// default; 3D Slicer >= 4.11 also assumes LPS for mesh files without a marker) or RAS (x and y
// negated, Slicer's internal space). Every file says which: "SPACE=LPS" / "SPACE=RAS" in the STL
// header and the OBJ comment, a "SPACE" field array in VTP, as Slicer itself writes and reads.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medpipe/core/image.h"

namespace medpipe {

enum class MeshSpace { Lps, Ras };

MeshSpace parseMeshSpace(const std::string& text);  // "lps" | "ras"; medpipe::Error otherwise
const char* toString(MeshSpace space);             // "LPS" | "RAS"

struct MeshExportOptions {
  std::optional<std::uint8_t> label;  // one label; default: every non-zero label, merged
  MeshSpace space = MeshSpace::Lps;
  double smoothing = 0.5;  // 0 (voxel staircase) .. 1, as 3D Slicer's smoothing factor
};

struct MeshExportSummary {
  std::vector<std::uint8_t> labels;  // the labels in the file
  std::size_t points = 0, triangles = 0;
};

// Writes atomically. Triangles face outwards. VTP files also carry a per-triangle "label" array.
// Throws medpipe::Error for an unknown extension or a label that is not in the map.
MeshExportSummary exportLabelMesh(const LabelImage& labels, const MeshExportOptions& options,
                                  const std::filesystem::path& path);

}  // namespace medpipe
