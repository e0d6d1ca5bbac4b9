// RTSTRUCT and SEG objects as regions: listing, selection by ROI name glob,
// reading onto a grid.
#include "medpipe/io/region_objects.h"

#include <fnmatch.h>

#include <fstream>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/core/log.h"
#include "medpipe/io/rt_structure.h"
#include "medpipe/io/segmentation.h"

namespace medpipe {
namespace {

const char* const kRtStructureSetStorage = "1.2.840.10008.5.1.4.1.1.481.3";
const char* const kSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";

RegionObjectKind kindOf(const std::filesystem::path& file) {
  const DicomHeader header = readDicomHeader(file);
  if (header.sopClassUid == kRtStructureSetStorage) return RegionObjectKind::StructureSet;
  if (header.sopClassUid == kSegmentationStorage) return RegionObjectKind::Segmentation;
  throw Error(file.string(), "SOPClassUID", "neither an RT Structure Set nor a Segmentation");
}

RegionInfo infoOf(const StructureRoi& roi) { return {0, roi.name, roi.rgb, roi.type}; }
RegionInfo infoOf(const SegmentDescription& s) { return {0, s.name, s.rgb, s.type.meaning}; }

std::string namesOf(const std::vector<RegionInfo>& regions) {
  std::string names;
  for (const auto& r : regions) names += (names.empty() ? "'" : ", '") + r.name + "'";
  return names.empty() ? "none" : names;
}

// Indices (into `regions`) of the selected ROIs, in file order; every glob must
// match one.
std::vector<size_t> selectRois(const std::vector<RegionInfo>& regions, const std::vector<std::string>& globs,
                           const std::string& where, const char* what) {
  std::vector<size_t> chosen;
  for (size_t i = 0; i < regions.size(); ++i) {
    bool match = globs.empty();
    for (const auto& g : globs) match = match || fnmatch(g.c_str(), regions[i].name.c_str(), 0) == 0;
    if (match) chosen.push_back(i);
  }
  for (const auto& g : globs) {
    bool any = false;
    for (const auto& r : regions) any = any || fnmatch(g.c_str(), r.name.c_str(), 0) == 0;
    if (!any)
      throw Error(where, "rois", "'" + g + "' matches no ROI of the " + what + " (ROIs: " + namesOf(regions) + ")");
  }
  if (chosen.size() > 255) throw Error(where, "rois", "more than 255 ROIs selected: a label map holds 255");
  return chosen;
}

}  // namespace

const char* toString(RegionObjectKind kind) { return kind == RegionObjectKind::StructureSet ? "RTSTRUCT" : "SEG"; }

bool isRegionObject(const DicomHeader& header) {
  return header.sopClassUid == kRtStructureSetStorage || header.sopClassUid == kSegmentationStorage;
}

std::vector<std::string> splitRoiGlobs(const std::string& globs) {
  std::vector<std::string> parts;
  std::stringstream in(globs);
  std::string part;
  while (std::getline(in, part, ',')) {
    const auto first = part.find_first_not_of(" \t"), last = part.find_last_not_of(" \t");
    if (first != std::string::npos) parts.push_back(part.substr(first, last - first + 1));
  }
  return parts;
}

RegionObject describeRegionObject(const std::filesystem::path& file) {
  RegionObject object;
  object.file = file;
  object.kind = kindOf(file);
  if (object.kind == RegionObjectKind::StructureSet) {
    const StructureSet set = readStructureSet(file);
    object.referencedSeriesUid = set.referencedSeriesUid;
    for (const auto& roi : set.rois) object.regions.push_back(infoOf(roi));
  } else {
    for (const auto& s : readSegmentDescriptions(file, &object.referencedSeriesUid))
      object.regions.push_back(infoOf(s));
  }
  return object;
}

RegionMap readRegionObject(const std::filesystem::path& file, const itk::ImageBase<3>& grid,
                           const RegionReadOptions& options) {
  const std::string where = file.string();
  RegionMap map;
  if (kindOf(file) == RegionObjectKind::StructureSet) {
    const StructureSet set = readStructureSet(file);
    std::vector<RegionInfo> all;
    for (const auto& roi : set.rois) all.push_back(infoOf(roi));
    std::vector<StructureRoi> chosen;
    for (size_t i : selectRois(all, options.rois, where, "structure set")) chosen.push_back(set.rois[i]);
    for (const auto& roi : chosen) {
      if (!roi.problem.empty()) throw Error(where, roi.problemField, roi.problem);
      if (roi.contours.empty())
        throw Error(where, "ContourSequence", "ROI '" + roi.name + "' has no closed planar contours");
      if (!options.sliceUids.empty())
        for (size_t c = 0; c < roi.contourImages.size(); ++c)
          if (!roi.contourImages[c].empty() && !options.sliceUids.count(roi.contourImages[c]))
            throw Error(where, "ContourImageSequence",
                        "ROI '" + roi.name + "' contour " + std::to_string(c + 1) +
                            " references an image that is not a slice of the series");
    }
    std::vector<std::string> warnings;
    try {
      map.labels = rasteriseStructures(chosen, grid, &warnings);
    } catch (const Error& e) {
      throw Error(where, e.info().field, e.info().reason);
    }
    for (const auto& w : warnings) logWarning(where + ": " + w);
    for (size_t i = 0; i < chosen.size(); ++i) {
      map.regions.push_back(infoOf(chosen[i]));
      map.regions.back().label = std::uint8_t(i + 1);
    }
    return map;
  }
  Segmentation seg = readSegmentation(file, grid);
  std::vector<RegionInfo> all;
  for (const auto& s : seg.segments) all.push_back(infoOf(s));
  const std::vector<size_t> chosen = selectRois(all, options.rois, where, "segmentation");
  // Segment numbers -> 1, 2, ... of the selection; unselected segments become
  // background.
  std::array<std::uint8_t, 256> relabel{};
  for (size_t i = 0; i < chosen.size(); ++i) {
    relabel[seg.segments[chosen[i]].label] = std::uint8_t(i + 1);
    map.regions.push_back(all[chosen[i]]);
    map.regions.back().label = std::uint8_t(i + 1);
  }
  std::uint8_t* voxels = seg.labels->GetBufferPointer();
  for (size_t i = 0, n = seg.labels->GetPixelContainer()->Size(); i < n; ++i) voxels[i] = relabel[voxels[i]];
  map.labels = seg.labels;
  return map;
}

void writeRegionTable(const std::filesystem::path& file, const RegionObject& source,
                      const std::vector<RegionInfo>& regions) {
  writeAtomically(file, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp);
    JsonWriter json(out);
    json.beginObject().field("source", std::string(toString(source.kind)));
    json.key("regions").beginArray();
    for (const auto& r : regions) {
      json.beginObject().field("label", int(r.label)).field("name", r.name);
      json.array("color", std::vector<int>{r.rgb[0], r.rgb[1], r.rgb[2]}).field("type", r.type).endObject();
    }
    json.endArray().endObject();
    out << '\n';
    if (!out) throw Error(file.string(), "", "could not write");
  });
}

}  // namespace medpipe
