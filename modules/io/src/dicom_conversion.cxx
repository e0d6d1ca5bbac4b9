#include "medpipe/io/dicom_conversion.h"

#include <set>

#include "medpipe/core/error.h"
#include "medpipe/core/log.h"
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

  std::error_code ec;
  fs::create_directories(options.outputFolder, ec);
  if (ec) throw Error(options.outputFolder.string(), "", "cannot create output folder: " + ec.message());

  std::set<std::string> stems;
  for (const SeriesVolume* volume : selected) {
    std::string stem = volumeFileStem(*volume);
    while (!stems.insert(stem).second) stem += "_" + std::to_string(stems.size());
    const fs::path image = options.outputFolder / (stem + fileExtension(options.format));
    const fs::path sidecar = options.outputFolder / (stem + ".json");
    try {
      if (!options.overwrite && fs::exists(image))
        throw Error(image.string(), "", "already exists (use --force to overwrite)");
      StackHealth health;
      auto volumeImage = readVolume(*volume, options.irregular, &health, progress);
      writeImage(*volumeImage, image, options.write);
      writeSidecar(*volume, health, *volumeImage, sidecar, {options.includePhi});
      report.written.push_back({image, sidecar, health.summary()});
    } catch (const Error& e) {
      report.failed.push_back(e.info());
    }
  }
  return report;
}

}  // namespace medpipe
