#include "medpipe/pipeline/output_formats.h"

#include <algorithm>
#include <mutex>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/derived_series.h"
#include "medpipe/io/segmentation.h"
#include "medpipe/pipeline/config_validation.h"
#include "medpipe/pipeline/pipeline_config.h"
#include "medpipe/pipeline/pipeline_runner.h"
#include "medpipe/preview/intensity_window.h"
#include "medpipe/preview/slice_montage.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

// Results back into the input's study: a derived series for an image, a SEG object for labels.
void writeDicom(const OutputContext& c, const fs::path& path) {
  if (!c.identity.dicomSource)
    throw Error(path.string(), "output '" + c.output.file + "'", "DICOM outputs need a DICOM input series");
  // The run's map: the series and SEG of one study get one new StudyInstanceUID and FrameOfReferenceUID.
  const Deidentifier deidentifier(c.uids);
  const bool deidentify = c.options.flag("deidentify");
  const std::string& description = c.options.text("description");
  if (c.data.kind() == DataKind::Labels) {
    SegmentationOptions options;
    if (!description.empty()) options.seriesDescription = description;
    options.overwrite = true;
    options.deidentifier = deidentify ? &deidentifier : nullptr;
    if (c.output.step == kRoisInputName)  // the input's ROIs keep their names and colours
      for (const auto& roi : c.identity.rois) {
        SegmentDescription segment;
        segment.label = roi.label, segment.name = roi.name, segment.rgb = roi.rgb;
        options.segments.push_back(segment);
      }
    writeSegmentation(*c.data.labels, *c.identity.dicomSource, options, path);
    return;
  }
  DerivedSeriesOptions options;
  options.seriesDescription = description;
  options.derivationDescription = "medpipe pipeline step '" + c.output.step + "'";
  options.overwrite = true;
  options.deidentifier = deidentify ? &deidentifier : nullptr;
  writeDerivedSeries(*c.data.image, *c.identity.dicomSource, options, path);
}

// Axial, coronal and sagittal slices as one PNG, a label map drawn over its background image.
void writePreview(const OutputContext& c, const fs::path& path) {
  MontageOptions options;
  options.window = c.options.text("window");
  options.panelSize = static_cast<unsigned>(c.options.integer("size"));
  if (c.data.kind() == DataKind::Labels) {
    writeSliceMontage(*c.background, c.data.labels.GetPointer(), options, path);
  } else {
    writeSliceMontage(*c.data.image, nullptr, options, path);
  }
}

void checkDicomText(const std::string& text) {
  if (text.size() > 64) throw Error("", "", "'" + text.substr(0, 20) + "...' is longer than 64 characters");
}

std::vector<OutputFormat>& registry() {
  static std::vector<OutputFormat> formats = {
      {"dicom",
       "The result back into the input's study: an image as a derived series (a folder of one file per slice), "
       "a label map as one DICOM SEG file (`file:` ends in `.dcm`)",
       {DataKind::Image, DataKind::Labels},
       "",
       {ParameterSpec::text("description", "", "at most 64 characters",
                            "SeriesDescription of the new series (default: the source's, with \"(medpipe)\")", checkDicomText),
        ParameterSpec::flag("deidentify", false,
                            "apply the PS3.15 basic confidentiality profile (docs/deidentification.md); UIDs are "
                            "replaced through the run's one UID map (`run --uid-map`)")},
       "",
       writeDicom},
      {"preview",
       "Axial, coronal and sagittal slices in one PNG; a label map is drawn in colour over `over:` (default: the input)",
       {DataKind::Image, DataKind::Labels},
       ".png",
       {ParameterSpec::text("window", MontageOptions().window, "ct-soft-tissue, ct-bone, ct-lung, mr-default or LEVEL,WIDTH",
                            "intensity window of the slices", checkIntensityWindow),
        ParameterSpec::integer("size", static_cast<long>(MontageOptions().panelSize), 16, 4096,
                               "pixels per side of each of the three panels")},
       "",
       writePreview},
  };
  return formats;
}

std::mutex registryMutex;

const ParameterSpec* optionSpec(const OutputFormat& format, const std::string& name) {
  for (const auto& o : format.options)
    if (o.name == name) return &o;
  return nullptr;
}

std::string kindsText(const std::vector<DataKind>& kinds) {
  std::string out;
  for (const DataKind k : kinds) out += std::string(out.empty() ? "" : ", ") + toString(k);
  return out;
}

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

std::vector<OutputFormat> allOutputFormats() {
  std::lock_guard<std::mutex> lock(registryMutex);
  std::vector<OutputFormat> formats = registry();
  std::sort(formats.begin(), formats.end(), [](const OutputFormat& a, const OutputFormat& b) { return a.name < b.name; });
  return formats;
}

ParameterValue parseOutputOption(const OutputFormat& format, const std::string& name, const std::string& text) {
  const ParameterSpec* spec = optionSpec(format, name);
  if (!spec) {
    std::vector<std::string> names;
    for (const auto& o : format.options) names.push_back(o.name);
    const std::string close = closestName(name, names);
    throw Error("", name, "format '" + format.name + "' has no option '" + name + "'" +
                              (close.empty() ? "" : " (did you mean '" + close + "'?)"));
  }
  ParameterValue value;
  try {
    value = parseParameterText(format.name, *spec, text);
  } catch (const Error& e) {
    const bool numeric = spec->type == ParameterType::Number || spec->type == ParameterType::Integer;
    throw Error("", name, e.info().reason + (numeric ? " (allowed: " + allowedValues(*spec) + ")" : ""));
  }
  try {
    validateParameter(format.name, *spec, value);
  } catch (const Error& e) {
    throw Error("", name, e.info().reason);
  }
  return value;
}

ParameterValues outputOptionValues(const OutputFormat& format, const OutputConfig& output) {
  std::map<std::string, ParameterValue> values;
  for (const auto& [name, text] : output.options) values[name] = parseOutputOption(format, name, text);
  for (const auto& o : format.options) values.emplace(o.name, o.defaultValue);
  return ParameterValues(std::move(values));
}

std::string outputFormatsMarkdown() {
  std::ostringstream out;
  out << "# Outputs\n\nGenerated from the output format declarations by `cmake --build build --target output-docs`\n"
         "(`medpipe stages --outputs-markdown`); do not edit by hand.\n\n"
         "Each entry of a config's `outputs:` names a `step` (or `input`) and a `file`. `file` is a path relative to\n"
         "the unit's output folder that stays inside it: an absolute path, or `..` leading out of the folder, is a\n"
         "validation error, and so is a symbolic link inside the folder that points out of it (checked again\n"
         "when the file is written). Without `format:` the extension decides:\n\n"
         "| extension | holds |\n|---|---|\n"
         "| `.nii.gz`, `.nii`, `.nrrd`, `.mha` | an image or a label map |\n"
         "| `.csv`, `.json` | a table |\n\n"
         "With `format:`, the format writes the result and takes the options below; `over:` names the image a\n"
         "label map is drawn over (`preview`, `render`; default: the input). Options are checked by `medpipe\n"
         "validate` and before `run` reads any image; an unknown option or value is an error naming the output,\n"
         "the option and what is allowed, with file:line:column. Booleans are YAML 1.1's: `true`/`false`,\n"
         "`yes`/`no`, `on`/`off`, in any case (`True`, `ON`).\n";
  for (const OutputFormat& f : allOutputFormats()) {
    out << "\n## `" << f.name << "`\n\n" << f.summary << ".\n\nAccepts: " << kindsText(f.accepts) << ".";
    if (!f.extension.empty()) out << " File: `" << f.extension << "`.";
    out << "\n\n";
    if (!f.options.empty()) out << parameterTableMarkdown(f.options, "option");
  }
  return out.str();
}

}  // namespace medpipe
