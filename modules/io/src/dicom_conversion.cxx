#include "medpipe/io/dicom_conversion.h"

#include <algorithm>
#include <map>
#include <set>

#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/derived_series.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/io/sidecar.h"
#include "medpipe/io/volume_naming.h"
#include "medpipe/io/volume_series.h"
#include "region_conversion.h"

namespace medpipe {
namespace fs = std::filesystem;

namespace {

SliceStack placedSliceStack(const SeriesVolume& volume) {
  if (volume.first().isUnplacedMultiFrame())
    throw Error(volume.first().path.string(), "PerFrameFunctionalGroupsSequence",
                "multi-frame object without per-frame plane positions is not supported");
  return buildSliceStack(volume.slices);
}

}  // namespace

ImageF::Pointer readVolume(const SeriesVolume& volume, IrregularGeometry irregular, StackHealth* health,
                           const Progress* progress) {
  const SliceStack stack = placedSliceStack(volume);
  if (health) *health = stack.health;
  return readSliceStack(stack, irregular, progress);
}

namespace {

// What goes into one output: one volume, or the volumes of a 4D series.
struct OutputUnit {
  std::vector<const SeriesVolume*> volumes;
  std::string stem;
};

// The volume with Philips' floating-point scaling folded into each slice's rescale, when asked.
SeriesVolume scaledForReading(const SeriesVolume& volume, const ConversionOptions& options) {
  SeriesVolume scaled = volume;
  if (!options.philipsFloat) return scaled;
  for (auto& slice : scaled.slices) {
    if (!slice.philipsScaleSlope) continue;
    const double divisor = slice.rescaleSlope * *slice.philipsScaleSlope;
    slice.rescaleSlope = 1 / *slice.philipsScaleSlope;
    slice.rescaleIntercept /= divisor;
  }
  return scaled;
}

SidecarOptions sidecarOptions(const ConversionOptions& options) {
  SidecarOptions sidecar;
  sidecar.includePhi = options.includePhi;
  sidecar.deidentified = options.deidentify;
  sidecar.philipsFloat = options.philipsFloat;
  return sidecar;
}

void refuseExisting(const fs::path& image, const ConversionOptions& options) {
  if (!options.overwrite && fs::exists(image))
    throw Error(image.string(), "", "already exists (use --force to overwrite)");
}

ConvertedVolume convertToImageFile(const SeriesVolume& volume, const std::string& stem,
                                   const ConversionOptions& options, const Progress* progress,
                                   ImageF::Pointer* keep = nullptr) {
  const fs::path image = options.outputFolder / (stem + fileExtension(options.format));
  const fs::path sidecar = options.outputFolder / (stem + ".json");
  refuseExisting(image, options);
  const SliceStack stack = placedSliceStack(scaledForReading(volume, options));
  // CT in HU goes straight into int16, the type writeImage would shrink the float volume to (the
  // same file); region objects need the float volume as their grid.
  if (!keep && options.write.shrinkToInt16) {
    if (const ImageS::Pointer whole = readSliceStackAsInt16(stack, progress)) {
      writeImage(*whole, image, options.write);
      writeSidecar(volume, stack.health, *whole, sidecar, sidecarOptions(options));
      return {image, sidecar, stack.health.summary(), 1};
    }
  }
  auto volumeImage = readSliceStack(stack, options.irregular, progress);
  writeImage(*volumeImage, image, options.write);
  writeSidecar(volume, stack.health, *volumeImage, sidecar, sidecarOptions(options));
  if (keep) *keep = volumeImage;
  return {image, sidecar, stack.health.summary(), 1};
}

// The volumes of a 4D series into one file, the repetition time as the fourth spacing; .bval/.bvec
// beside it for a diffusion series.
ConvertedVolume convertTo4dImageFile(const std::vector<const SeriesVolume*>& volumes, const std::string& stem,
                                     const ConversionOptions& options, const Progress* progress) {
  const fs::path image = options.outputFolder / (stem + fileExtension(options.format));
  const fs::path sidecar = options.outputFolder / (stem + ".json");
  refuseExisting(image, options);
  const DicomHeader& first = volumes.front()->first();
  StackHealth health;
  ImageF::Pointer firstVolume;
  ImageF4::Pointer series;
  for (size_t t = 0; t < volumes.size(); ++t) {
    StackHealth volumeHealth;
    auto volume = readVolume(scaledForReading(*volumes[t], options), options.irregular, &volumeHealth, progress);
    if (t == 0 || (health.regular() && !volumeHealth.regular())) health = volumeHealth;
    if (t == 0) {
      series = allocateSeries(*volume, volumes.size(), first.repetitionTime / 1000.0);
      firstVolume = volume;
    }
    try {
      setVolume(*series, t, *volume);
    } catch (const Error& e) {
      throw Error(volumes[t]->first().path.string(), e.info().field, e.info().reason);
    }
  }
  writeImage(*series, image, options.write);
  series = nullptr;
  writeSidecar(volumes, health, *firstVolume, sidecar, sidecarOptions(options));
  ConvertedVolume written{image, sidecar, health.summary(), volumes.size()};
  if (const auto table = diffusionTable(volumes, firstVolume->GetDirection())) {
    written.bval = options.outputFolder / (stem + ".bval");
    written.bvec = options.outputFolder / (stem + ".bvec");
    writeFslGradients(*table, written.bval, written.bvec);
  }
  return written;
}

ConvertedVolume convertToDerivedSeries(const SeriesVolume& volume, const std::string& stem,
                                       const ConversionOptions& options, const Deidentifier* deidentifier,
                                       const Progress* progress) {
  StackHealth health;
  auto volumeImage = readVolume(volume, options.irregular, &health, progress);
  DerivedSeriesOptions derived;
  derived.overwrite = options.overwrite;
  derived.deidentifier = deidentifier;
  const DerivedSeries written = writeDerivedSeries(*volumeImage, volume, derived, options.outputFolder / stem);
  return {written.folder, {}, health.summary(), 1};
}

// The stem of a whole series: "<number>_<description>", without the "_v<k>" of a split.
std::string seriesStem(const SeriesVolume& volume, bool withDescription) {
  return volumeFileStem(SeriesVolume{{volume.first()}, 1, ""}, withDescription);
}

// One unit per volume (3D), or per 4D series: volumes repeating the same positions go together, and
// a derived diffusion volume (isotropic trace) is written on its own, named as such.
std::vector<OutputUnit> planOutputs(const std::vector<const SeriesVolume*>& selected, const ConversionOptions& options) {
  const bool withDescription = !options.deidentify;
  std::vector<OutputUnit> units;
  for (const auto& group : groupRepeatedVolumes(selected)) {
    if (!options.fourD || options.toDicom || group.size() == 1) {
      for (const auto* v : group) units.push_back({{v}, volumeFileStem(*v, withDescription)});
      continue;
    }
    OutputUnit series, derived;
    bool directions = false;
    for (const auto* v : group) directions = directions || (v->first().bValue && !isDerivedDiffusionVolume(*v));
    for (const auto* v : group) (directions && isDerivedDiffusionVolume(*v) ? derived : series).volumes.push_back(v);
    const std::string base = seriesStem(*group.front(), withDescription);
    series.stem = series.volumes.size() == 1 ? volumeFileStem(*series.volumes.front(), withDescription) : base;
    if (!series.volumes.empty()) units.push_back(series);
    for (const auto* v : derived.volumes) units.push_back({{v}, base + "_derived"});
  }
  // A series with images of several kinds (enhanced frame types; classic magnitude and phase): each
  // named by its kind, a kind without a name (classic magnitude) by the series alone, as dcm2niix.
  std::map<std::string, std::set<std::string>> kinds;
  for (const auto* v : selected) kinds[v->first().seriesInstanceUid].insert(v->first().frameKind);
  std::vector<bool> renamed(units.size(), false);
  for (size_t i = 0; i < units.size(); ++i) {
    const DicomHeader& h = units[i].volumes.front()->first();
    if (kinds[h.seriesInstanceUid].size() < 2) continue;
    units[i].stem = seriesStem(*units[i].volumes.front(), withDescription) +
                    (h.frameKind.empty() ? "" : "_" + sanitizeFileName(h.frameKind));
    renamed[i] = true;
  }
  // Several units under one stem (echoes, orientations): numbered as their first volumes are.
  std::map<std::string, int> perStem;
  for (const auto& u : units) ++perStem[u.stem];
  for (size_t i = 0; i < units.size(); ++i)
    if (perStem[units[i].stem] > 1 && (units[i].volumes.size() > 1 || renamed[i]))
      units[i].stem += "_v" + std::to_string(units[i].volumes.front()->volumeInSeries);
  return units;
}

}  // namespace

ConversionReport convertDicom(const ConversionOptions& options, const Progress* progress) {
  const DicomIndex index = indexDicomFolder(options.input, progress);
  ConversionReport report;
  report.skippedNonImages = index.nonImages.size();
  report.unreadableFiles = index.unreadable;

  std::vector<const SeriesVolume*> selected;
  for (const auto& v : index.volumes)
    if (options.selector.matches(v.first())) selected.push_back(&v);
  if (selected.empty()) {
    if (index.volumes.empty() && index.unreadable.size() == 1) throw Error(index.unreadable.front());
    throw Error(options.input.string(), "",
                index.volumes.empty() ? "no DICOM images found" : "no series matches the selection");
  }

  UidMap uids;
  const bool keepUidMap = options.toDicom && options.deidentify && !options.uidMap.empty();
  if (keepUidMap) uids.share(options.uidMap);  // other processes may use the same map at the same time
  const Deidentifier deidentifier(uids);

  std::error_code ec;
  fs::create_directories(options.outputFolder, ec);
  if (ec) throw Error(options.outputFolder.string(), "", "cannot create output folder: " + ec.message());

  // Region objects by the series they reference; those of a series not in the input fail here.
  std::map<std::string, std::vector<const DicomHeader*>> regionsOf;
  if (options.regions && !options.toDicom)
    for (const auto& h : index.regionObjects) {
      std::string series;
      try {
        series = describeRegionObject(h.path).referencedSeriesUid;
      } catch (const Error& e) {
        report.failed.push_back(e.info());
        continue;
      }
      const bool present = std::any_of(index.volumes.begin(), index.volumes.end(),
                                       [&](const SeriesVolume& v) { return v.first().seriesInstanceUid == series; });
      if (series.empty())
        report.failed.push_back({h.path.string(), "ReferencedSeriesSequence", "names no series"});
      else if (!present)
        report.failed.push_back({h.path.string(), "ReferencedSeriesSequence", "references a series that is not in the input"});
      else
        regionsOf[series].push_back(&h);
    }

  std::set<std::string> stems;
  for (OutputUnit& unit : planOutputs(selected, options)) {
    std::string stem = unit.stem;
    while (!stems.insert(stem).second) stem += "_" + std::to_string(stems.size());
    const SeriesVolume& volume = *unit.volumes.front();
    // Regions go beside the first volume of their series (the one holding the contoured slices).
    const auto regions = regionsOf.find(volume.first().seriesInstanceUid);
    const bool withRegions = regions != regionsOf.end() && unit.volumes.size() == 1 && !options.toDicom;
    ImageF::Pointer grid;
    try {
      report.written.push_back(
          options.toDicom      ? convertToDerivedSeries(volume, stem, options, options.deidentify ? &deidentifier : nullptr, progress)
          : unit.volumes.size() > 1 ? convertTo4dImageFile(unit.volumes, stem, options, progress)
                                    : convertToImageFile(volume, stem, options, progress, withRegions ? &grid : nullptr));
    } catch (const Error& e) {
      report.failed.push_back(e.info());
    }
    if (grid) {
      for (const auto& written : convertRegionObjects(regions->second, volume, *grid, stem, options, report.failed))
        report.regions.push_back(written);
      regionsOf.erase(regions);
    }
    if (keepUidMap) uids.saveShared();  // after every series, merged with what others added
  }
  return report;
}

}  // namespace medpipe
