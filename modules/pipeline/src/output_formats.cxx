#include "medpipe/pipeline/output_formats.h"

#include <algorithm>
#include <mutex>

#include "medpipe/core/error.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/derived_series.h"
#include "medpipe/io/segmentation.h"
#include "medpipe/pipeline/pipeline_runner.h"
#include "medpipe/preview/slice_montage.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

std::string option(const OutputConfig& output, const std::string& name, const std::string& fallback = "") {
  const auto it = output.options.find(name);
  return it == output.options.end() ? fallback : it->second;
}

// Results back into the input's study: a derived series for an image, a SEG object for labels.
void writeDicom(const OutputContext& c, const fs::path& path) {
  if (!c.identity.dicomSource)
    throw Error(path.string(), "output '" + c.output.file + "'", "DICOM outputs need a DICOM input series");
  UidMap uids;
  const Deidentifier deidentifier(uids);
  const bool deidentify = option(c.output, "deidentify", "false") == "true";
  if (c.data.kind() == DataKind::Labels) {
    SegmentationOptions options;
    if (!option(c.output, "description").empty()) options.seriesDescription = option(c.output, "description");
    options.overwrite = true;
    options.deidentifier = deidentify ? &deidentifier : nullptr;
    writeSegmentation(*c.data.labels, *c.identity.dicomSource, options, path);
    return;
  }
  DerivedSeriesOptions options;
  options.seriesDescription = option(c.output, "description");
  options.derivationDescription = "medpipe pipeline step '" + c.output.step + "'";
  options.overwrite = true;
  options.deidentifier = deidentify ? &deidentifier : nullptr;
  writeDerivedSeries(*c.data.image, *c.identity.dicomSource, options, path);
}

// Axial, coronal and sagittal slices as one PNG, a label map drawn over its background image.
void writePreview(const OutputContext& c, const fs::path& path) {
  MontageOptions options;
  options.window = option(c.output, "window", options.window);
  const std::string size = option(c.output, "size");
  if (!size.empty()) options.panelSize = static_cast<unsigned>(std::stoul(size));
  if (c.data.kind() == DataKind::Labels) {
    writeSliceMontage(*c.background, c.data.labels.GetPointer(), options, path);
  } else {
    writeSliceMontage(*c.data.image, nullptr, options, path);
  }
}

std::vector<OutputFormat>& registry() {
  static std::vector<OutputFormat> formats = {
      {"dicom", {DataKind::Image, DataKind::Labels}, "", {"description", "deidentify"}, writeDicom},
      {"preview", {DataKind::Image, DataKind::Labels}, ".png", {"window", "size"}, writePreview},
  };
  return formats;
}

std::mutex registryMutex;

}  // namespace

void registerOutputFormat(OutputFormat format) {
  std::lock_guard<std::mutex> lock(registryMutex);
  auto& formats = registry();
  formats.erase(std::remove_if(formats.begin(), formats.end(), [&](const OutputFormat& f) { return f.name == format.name; }),
                formats.end());
  formats.push_back(std::move(format));
}

const OutputFormat* findOutputFormat(const std::string& name) {
  std::lock_guard<std::mutex> lock(registryMutex);
  for (const auto& f : registry())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> outputFormatNames() {
  std::lock_guard<std::mutex> lock(registryMutex);
  std::vector<std::string> names;
  for (const auto& f : registry()) names.push_back(f.name);
  return names;
}

}  // namespace medpipe
