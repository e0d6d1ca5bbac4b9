// medpipe scan: every study and series below a folder, from headers only, with a health check.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe::cli {
namespace {

struct VolumeRow {
  const SeriesVolume* volume;
  std::string dimensions, spacing, health;
  std::array<double, 3> spacingValues{};
};

std::string formatNumber(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

VolumeRow describe(const SeriesVolume& volume) {
  VolumeRow row{&volume, "", "", ""};
  const auto& h = volume.first();
  const size_t depth = h.isUnplacedMultiFrame() ? h.numberOfFrames : volume.slices.size();
  row.dimensions = std::to_string(h.columns) + "x" + std::to_string(h.rows) + "x" + std::to_string(depth);
  try {
    if (h.isUnplacedMultiFrame()) {
      row.health = "multi-frame without plane positions";
      if (h.pixelSpacing) row.spacingValues = {(*h.pixelSpacing)[1], (*h.pixelSpacing)[0], h.sliceThickness};
    } else {
      const SliceStack stack = buildSliceStack(volume.slices);
      row.health = stack.health.summary();
      row.spacingValues = stack.spacing;
    }
    row.spacing = formatNumber(row.spacingValues[0]) + "x" + formatNumber(row.spacingValues[1]) + "x" +
                  formatNumber(row.spacingValues[2]);
  } catch (const Error& e) {
    row.health = "unreadable geometry: " + e.info().field + " " + e.info().reason;
    row.spacing = "-";
  }
  // Pixels the header already says cannot be read (a mosaic that cannot be split, truncated data).
  for (const auto& slice : volume.slices)
    if (!slice.pixelDataProblem.empty()) {
      row.health = "unreadable: " + slice.pixelDataProblemField + " " + slice.pixelDataProblem;
      break;
    }
  if (!volume.splitReason.empty()) row.health += " (split: " + volume.splitReason + ")";
  if (!volume.duplicates.empty()) row.health += " (" + std::to_string(volume.duplicates.size()) + " duplicate slice(s) left out)";
  return row;
}

// An RTSTRUCT or SEG with its ROIs and the volume of the series it references (null: not found).
struct RegionRow {
  const DicomHeader* header;
  RegionObject object;
  std::string error;  // the object could not be read
  const SeriesVolume* referenced = nullptr;
};

std::vector<RegionRow> describeRegions(const DicomIndex& index) {
  std::vector<RegionRow> rows;
  for (const auto& h : index.regionObjects) {
    RegionRow row{&h, {}, {}, nullptr};
    try {
      row.object = describeRegionObject(h.path);
    } catch (const Error& e) {
      row.error = e.info().field.empty() ? e.info().reason : e.info().field + ": " + e.info().reason;
    }
    for (const auto& v : index.volumes)
      if (!row.object.referencedSeriesUid.empty() && v.first().seriesInstanceUid == row.object.referencedSeriesUid) {
        row.referenced = &v;
        break;
      }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string roiList(const RegionObject& object) {
  std::string names;
  for (const auto& r : object.regions) names += (names.empty() ? "'" : ", '") + r.name + "'";
  return names;
}

// Patients are numbered in scan order so the table can group by patient without printing PHI.
std::vector<int> patientNumbers(const std::vector<VolumeRow>& rows) {
  std::vector<int> numbers;
  std::string previous;
  int count = 0;
  for (const auto& row : rows) {
    const auto& h = row.volume->first();
    const std::string key = h.patientId + '\x1f' + h.patientName;
    if (numbers.empty() || key != previous) ++count, previous = key;
    numbers.push_back(count);
  }
  return numbers;
}

void printTable(const DicomIndex& index, const std::vector<VolumeRow>& rows, const std::vector<RegionRow>& regions,
                bool showPhi) {
  std::string study;
  int patient = 0;
  const auto patients = patientNumbers(rows);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& h = row.volume->first();
    if (patients[i] != patient) {
      patient = patients[i];
      std::cout << "\nPatient " << patient;
      if (showPhi) std::cout << ": " << h.patientName << " [" << h.patientId << "]";
      std::cout << "\n";
      study.clear();
    }
    if (h.studyInstanceUid != study) {
      study = h.studyInstanceUid;
      std::cout << "\n  Study " << (h.studyDate.empty() ? "(no date)" : h.studyDate) << "  " << h.studyDescription << "\n";
      std::cout << std::left << std::setw(4) << "Mod" << std::setw(6) << "Ser" << std::setw(28) << "Description"
                << std::setw(8) << "Slices" << std::setw(14) << "Dimensions" << std::setw(20) << "Spacing (mm)"
                << std::setw(28) << "Transfer syntax" << "Health\n";
    }
    std::cout << std::left << std::setw(4) << h.modality << std::setw(6) << h.seriesNumber << std::setw(28)
              << h.seriesDescription.substr(0, 27) << std::setw(8) << row.volume->slices.size() << std::setw(14)
              << row.dimensions << std::setw(20) << row.spacing << std::setw(28)
              << transferSyntaxName(h.transferSyntaxUid).substr(0, 27) << row.health << "\n";
  }
  std::cout << "\n" << rows.size() << " volume(s), " << index.nonImages.size() << " non-image DICOM object(s), "
            << (regions.empty() ? "" : std::to_string(regions.size()) + " region object(s) (RTSTRUCT, SEG), ")
            << index.unreadable.size() << " unreadable file(s), " << index.ignoredFiles << " non-DICOM file(s)\n";
  for (const auto& r : regions) {
    std::cout << "  regions: " << r.header->path.string() << " (" << r.header->modality << ")";
    if (!r.error.empty()) {
      std::cout << " unreadable: " << r.error << "\n";
      continue;
    }
    const auto& refs = r.referenced ? r.referenced->first() : *r.header;
    if (r.referenced)
      std::cout << " on series " << refs.seriesNumber << " '" << refs.seriesDescription << "'";
    else
      std::cout << (r.object.referencedSeriesUid.empty() ? " references no series" : " references a series not in this folder");
    std::cout << ", " << r.object.regions.size() << " ROI(s): " << roiList(r.object) << "\n";
  }
  for (const auto& n : index.nonImages)
    std::cout << "  non-image: " << n.path.string() << " (" << (n.modality.empty() ? "no modality" : n.modality)
              << ", SOP class " << (n.sopClassUid.empty() ? "none" : n.sopClassUid) << ")\n";
  for (const auto& u : index.unreadable) std::cout << "  unreadable: " << formatError(u) << "\n";
}

void printJson(const DicomIndex& index, const std::vector<VolumeRow>& rows, const std::vector<RegionRow>& regions,
               bool showPhi) {
  JsonWriter json(std::cout);
  json.beginObject().key("volumes").beginArray();
  const auto patients = patientNumbers(rows);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& h = row.volume->first();
    json.beginObject().field("patient", patients[i]);
    if (showPhi) json.field("patientName", h.patientName).field("patientId", h.patientId);
    json.field("studyInstanceUid", h.studyInstanceUid).field("studyDate", h.studyDate);
    json.field("seriesInstanceUid", h.seriesInstanceUid).field("seriesNumber", h.seriesNumber);
    json.field("modality", h.modality).field("description", h.seriesDescription);
    json.field("volumeInSeries", row.volume->volumeInSeries).field("splitReason", row.volume->splitReason);
    json.field("duplicateSlicesLeftOut", row.volume->duplicates.size());
    json.field("files", row.volume->slices.size()).field("dimensions", row.dimensions);
    json.array("spacing", row.spacingValues);
    json.field("transferSyntaxUid", h.transferSyntaxUid).field("transferSyntax", transferSyntaxName(h.transferSyntaxUid));
    json.field("health", row.health);
    json.endObject();
  }
  json.endArray().key("nonImages").beginArray();
  for (const auto& n : index.nonImages)
    json.beginObject().field("path", n.path.string()).field("modality", n.modality).field("sopClassUid", n.sopClassUid).endObject();
  json.endArray().key("regionObjects").beginArray();
  for (const auto& r : regions) {
    json.beginObject().field("path", r.header->path.string()).field("modality", r.header->modality);
    json.field("sopClassUid", r.header->sopClassUid);
    if (!r.error.empty()) {
      json.field("error", r.error).endObject();
      continue;
    }
    json.field("referencedSeriesUid", r.object.referencedSeriesUid).field("referencedSeriesFound", r.referenced != nullptr);
    if (r.referenced)
      json.field("referencedSeriesNumber", r.referenced->first().seriesNumber)
          .field("referencedDescription", r.referenced->first().seriesDescription);
    json.key("rois").beginArray();
    for (const auto& roi : r.object.regions) {
      json.beginObject().field("name", roi.name).array("color", std::vector<int>{roi.rgb[0], roi.rgb[1], roi.rgb[2]});
      json.field("type", roi.type).endObject();
    }
    json.endArray().endObject();
  }
  json.endArray().key("unreadable").beginArray();
  for (const auto& u : index.unreadable)
    json.beginObject().field("path", u.path).field("field", u.field).field("reason", u.reason).endObject();
  json.endArray().field("nonDicomFiles", index.ignoredFiles).endObject();
}

}  // namespace

int runScan(const Args& args) {
  CommandLine line;
  line.usage = "medpipe scan DIR [--json] [--show-phi]";
  std::string input;
  line.options.add_options()
      ("input", po::value(&input)->required(), "folder to scan recursively (a PACS export, a series, a file)")
      ("json", "print machine-readable JSON instead of a table")
      ("show-phi", "include patient names and IDs");
  line.positional.add("input", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(false, false);
  return reportErrors("scan", [&] {
    const Progress progress = terminalProgress("scan");
    const DicomIndex index = indexDicomFolder(input, &progress);
    std::vector<VolumeRow> rows;
    for (const auto& v : index.volumes) rows.push_back(describe(v));
    const std::vector<RegionRow> regions = describeRegions(index);
    const bool showPhi = vm.count("show-phi") > 0;
    if (vm.count("json")) printJson(index, rows, regions, showPhi);
    else printTable(index, rows, regions, showPhi);
    return kSuccess;
  });
}

}  // namespace medpipe::cli
