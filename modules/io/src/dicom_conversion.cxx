#include "medpipe/io/dicom_conversion.h"

#include <set>

#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/derived_series.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/sidecar.h"
#include "medpipe/io/volume_naming.h"

namespace medpipe {
namespace fs = std::filesystem;

ImageF::Pointer readVolume(const SeriesVolume& volume, IrregularGeometry irregular, StackHealth* health,
                           const Progress* progress) {
  if (volume.first().isUnplacedMultiFrame())
    throw Error(volume.first().path.string(), "PerFrameFunctionalGroupsSequence",
                "multi-frame object without per-frame plane positions is not supported");
  const SliceStack stack = buildSliceStack(volume.slices);
  if (health) *health = stack.health;
  return readSliceStack(stack, irregular, progress);
}

namespace {

ConvertedVolume convertToImageFile(const SeriesVolume& volume, const std::string& stem,
                                   const ConversionOptions& options, const Progress* progress) {
  const fs::path image = options.outputFolder / (stem + fileExtension(options.format));
  const fs::path sidecar = options.outputFolder / (stem + ".json");
  if (!options.overwrite && fs::exists(image))
    throw Error(image.string(), "", "already exists (use --force to overwrite)");
  StackHealth health;
  auto volumeImage = readVolume(volume, options.irregular, &health, progress);
  writeImage(*volumeImage, image, options.write);
  writeSidecar(volume, health, *volumeImage, sidecar, {options.includePhi, options.deidentify});
  return {image, sidecar, health.summary()};
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
  return {written.folder, {}, health.summary()};
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

  std::set<std::string> stems;
  for (const SeriesVolume* volume : selected) {
    std::string stem = volumeFileStem(*volume, !options.deidentify);
    while (!stems.insert(stem).second) stem += "_" + std::to_string(stems.size());
    try {
      report.written.push_back(
          options.toDicom
              ? convertToDerivedSeries(*volume, stem, options, options.deidentify ? &deidentifier : nullptr, progress)
              : convertToImageFile(*volume, stem, options, progress));
    } catch (const Error& e) {
      report.failed.push_back(e.info());
    }
    if (keepUidMap) uids.saveShared();  // after every series, merged with what others added
  }
  return report;
}

}  // namespace medpipe
