#include "medpipe/io/dicom_index.h"
#include "medpipe/io/region_objects.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>

#include "medpipe/core/log.h"
#include "stored_pixel_comparer.h"
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

struct SplitSlices {
  std::vector<std::vector<DicomHeader>> volumes;
  std::vector<std::vector<SeriesVolume::Duplicate>> duplicates;  // per volume: the copies left out of it
};

// Slices of one series that share a position go to successive volumes (repeats, dynamics), except
// a re-sent copy of a slice (the same stored pixels as an earlier slice at its position): that one
// is left out, with a warning naming both files. Pixels are read only for slices that share a position.
// A re-sent instance repeats its slice's acquisition: the same instance number and diffusion
// encoding. Equal pixels alone are not enough: GE's diffusion exports (mr-ge-dwi) store the same
// pixel data at one position for every direction, and each is a volume of its own.
bool sameAcquisition(const DicomHeader& a, const DicomHeader& b) {
  return a.instanceNumber == b.instanceNumber && a.acquisitionNumber == b.acquisitionNumber &&
         a.echoNumber == b.echoNumber && a.bValue == b.bValue && a.diffusionGradient == b.diffusionGradient;
}

SplitSlices splitRepeatedPositions(std::vector<DicomHeader> slices) {
  std::stable_sort(slices.begin(), slices.end(), [](const DicomHeader& a, const DicomHeader& b) {
    return std::tie(a.acquisitionNumber, a.instanceNumber) < std::tie(b.acquisitionNumber, b.instanceNumber);
  });
  StoredPixelComparer comparer;
  std::map<std::string, std::vector<size_t>> kept;  // position -> the slices kept there, by volume
  std::vector<size_t> volumeOf(slices.size());
  std::vector<std::pair<size_t, size_t>> copies;  // (copy, the slice it repeats)
  for (size_t i = 0; i < slices.size(); ++i) {
    auto& here = kept[positionKey(slices[i])];
    const bool comparable = slices[i].imagePosition.has_value() && slices[i].frameIndex < 0;
    const auto same = !comparable ? here.end() : std::find_if(here.begin(), here.end(), [&](size_t k) {
      return sameAcquisition(slices[k], slices[i]) && comparer.samePixels(slices[k], slices[i]);
    });
    if (same != here.end()) {
      copies.emplace_back(i, *same);
      continue;
    }
    volumeOf[i] = here.size();
    here.push_back(i);
  }
  SplitSlices split;
  for (const auto& [copy, original] : copies) {
    logWarning(slices[copy].path.string() + ": the same slice as " + slices[original].path.string() +
               " (same position and pixel data): left out");
    const size_t n = volumeOf[original];
    if (split.duplicates.size() <= n) split.duplicates.resize(n + 1);
    split.duplicates[n].push_back({slices[copy].path, slices[original].path});
  }
  std::vector<bool> isCopy(slices.size(), false);
  for (const auto& c : copies) isCopy[c.first] = true;
  for (size_t i = 0; i < slices.size(); ++i) {
    if (isCopy[i]) continue;
    if (split.volumes.size() <= volumeOf[i]) split.volumes.emplace_back();
    split.volumes[volumeOf[i]].push_back(std::move(slices[i]));
  }
  split.duplicates.resize(split.volumes.size());
  return split;
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
      multiFrame.push_back(SeriesVolume{{std::move(h)}, 1, "", {}});
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
      auto split = splitRepeatedPositions(std::move(slices));
      auto& parts = split.volumes;
      const std::string why = parts.size() <= 1 ? reason
                              : placed          ? "the same position occurs more than once"
                                                : "no ImagePositionPatient: one volume per file";
      for (size_t p = 0; p < parts.size(); ++p)
        volumes.push_back(SeriesVolume{std::move(parts[p]), ++index, why, std::move(split.duplicates[p])});
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
      if (isRegionObject(h)) index.regionObjects.push_back(std::move(h));
      else if (h.isImage()) images.push_back(std::move(h));
      else index.nonImages.push_back(std::move(h));
    } catch (const Error& e) {
      index.unreadable.push_back(e.info());
    }
  }
  if (progress) progress->report(1.0, "scanning headers");
  index.volumes = groupIntoVolumes(std::move(images));
  return index;
}

std::vector<UnreadableFolder> groupUnreadableByFolder(const std::vector<ErrorInfo>& unreadable) {
  std::map<fs::path, UnreadableFolder> byFolder;
  for (const auto& e : unreadable) {
    const fs::path folder = fs::path(e.path).parent_path();
    UnreadableFolder& entry = byFolder[folder];
    if (entry.files++ == 0 || e.path < entry.first.path) entry.first = e;
    entry.folder = folder;
  }
  std::vector<UnreadableFolder> folders;
  for (auto& [folder, entry] : byFolder) folders.push_back(std::move(entry));
  return folders;
}

}  // namespace medpipe
