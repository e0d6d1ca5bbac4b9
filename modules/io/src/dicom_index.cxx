#include "medpipe/io/dicom_index.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>

#include "mosaic.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

// c rounded to 1/scale; lround of a value beyond the range of long is unspecified (and all such
// values would share one key), so huge values keep their full text.
std::string roundedKey(double c, double scale) {
  if (std::abs(c * scale) < 1e15) return std::to_string(std::lround(c * scale));
  std::ostringstream text;
  text.precision(17);
  text << c;
  return text.str();
}

// Orientation rounded so that float noise in IOP does not split a series.
std::string orientationKey(const DicomHeader& h) {
  if (!h.imageOrientation) return "none";
  std::ostringstream key;
  for (double c : *h.imageOrientation) key << roundedKey(c, 1e4) << ',';
  return key.str();
}

std::string positionKey(const DicomHeader& h) {
  if (!h.imagePosition) return "none";
  std::ostringstream key;
  for (double c : *h.imagePosition) key << roundedKey(c, 1e3) << ',';
  return key.str();
}

// Slices of one series that share a position go to successive volumes (repeats, dynamics).
std::vector<std::vector<DicomHeader>> splitRepeatedPositions(std::vector<DicomHeader> slices) {
  std::stable_sort(slices.begin(), slices.end(), [](const DicomHeader& a, const DicomHeader& b) {
    return std::tie(a.acquisitionNumber, a.instanceNumber) < std::tie(b.acquisitionNumber, b.instanceNumber);
  });
  std::map<std::string, size_t> seen;
  std::vector<std::vector<DicomHeader>> volumes;
  for (auto& h : slices) {
    const size_t n = seen[positionKey(h)]++;
    if (volumes.size() <= n) volumes.emplace_back();
    volumes[n].push_back(std::move(h));
  }
  return volumes;
}

// An enhanced multi-frame object becomes one virtual slice per frame; other headers stay as they are.
std::vector<DicomHeader> expandFrames(DicomHeader h) {
  if (h.mosaic) return expandMosaic(std::move(h));
  if (h.frames.empty()) return {std::move(h)};
  std::vector<DicomHeader> slices;
  const auto frames = std::move(h.frames);
  h.frames.clear();
  for (size_t i = 0; i < frames.size(); ++i) {
    DicomHeader slice = h;
    slice.frameIndex = static_cast<int>(i);
    slice.imagePosition = frames[i].position;
    slice.rescaleSlope = frames[i].rescaleSlope;
    slice.rescaleIntercept = frames[i].rescaleIntercept;
    if (frames[i].bValue) slice.bValue = frames[i].bValue, slice.diffusionGradient = frames[i].diffusionGradient;
    if (frames[i].philipsScaleSlope) slice.philipsScaleSlope = frames[i].philipsScaleSlope;
    slice.frameKind = frames[i].frameKind;
    slices.push_back(std::move(slice));
  }
  return slices;
}

}  // namespace

std::vector<SeriesVolume> groupIntoVolumes(std::vector<DicomHeader> headers) {
  using SeriesKey = std::tuple<std::string, int, std::string>;  // study, series number, series UID
  std::map<SeriesKey, std::map<std::string, std::vector<DicomHeader>>> series;
  std::vector<SeriesVolume> multiFrame;
  for (auto& h : headers) {
    SeriesKey key{h.studyInstanceUid, h.seriesNumber, h.seriesInstanceUid};
    if (h.isUnplacedMultiFrame()) {
      multiFrame.push_back(SeriesVolume{{std::move(h)}, 1, ""});
      continue;
    }
    for (auto& slice : expandFrames(std::move(h))) {
      std::ostringstream sub;
      sub << orientationKey(slice) << '|' << slice.rows << 'x' << slice.columns << "|echo" << slice.echoNumber << '|'
          << slice.frameKind;
      series[key][sub.str()].push_back(std::move(slice));
    }
  }

  std::vector<SeriesVolume> volumes;
  for (auto& [key, groups] : series) {
    std::string reason = groups.size() > 1 ? "slices differ in orientation, size, echo or frame type" : "";
    int index = 0;
    for (auto& [sub, slices] : groups) {
      const bool placed = slices.front().imagePosition.has_value();
      auto parts = splitRepeatedPositions(std::move(slices));
      const std::string why = parts.size() <= 1 ? reason
                              : placed          ? "the same position occurs more than once"
                                                : "no ImagePositionPatient: one volume per file";
      for (auto& part : parts) volumes.push_back(SeriesVolume{std::move(part), ++index, why});
    }
  }
  for (auto& v : multiFrame) volumes.push_back(std::move(v));
  std::stable_sort(volumes.begin(), volumes.end(), [](const SeriesVolume& a, const SeriesVolume& b) {
    const DicomHeader &x = a.first(), &y = b.first();
    return std::tie(x.patientId, x.patientName, x.studyDate, x.studyInstanceUid, x.seriesNumber) <
           std::tie(y.patientId, y.patientName, y.studyDate, y.studyInstanceUid, y.seriesNumber);
  });
  return volumes;
}

DicomIndex indexDicomFolder(const fs::path& root, const Progress* progress) {
  std::error_code ec;
  if (!fs::exists(root, ec)) throw Error(root.string(), "", "no such file or folder");
  std::vector<fs::path> files;
  if (fs::is_regular_file(root, ec)) {
    files.push_back(root);
  } else {
    if (!fs::is_directory(root, ec)) throw Error(root.string(), "", "not a folder");
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw Error(root.string(), "", "cannot list folder: " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
  }

  DicomIndex index;
  std::vector<DicomHeader> images;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& file = files[i];
    if (progress) progress->report(double(i) / files.size(), "scanning headers");
    if (!looksLikeDicom(file)) {
      ++index.ignoredFiles;
      continue;
    }
    try {
      DicomHeader h = readDicomHeader(file);
      if (h.isImage()) images.push_back(std::move(h));
      else index.nonImages.push_back(std::move(h));
    } catch (const Error& e) {
      index.unreadable.push_back(e.info());
    }
  }
  if (progress) progress->report(1.0, "scanning headers");
  index.volumes = groupIntoVolumes(std::move(images));
  return index;
}

}  // namespace medpipe
