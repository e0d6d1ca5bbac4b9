// medpipe radiomics: IBSI-1 features of every label of a label map (or SEG) on a volume or DICOM
// series. The options are the `radiomics` stage's parameters; this command adds the input forms
// and the long table (label, family, tag, ibsi_code, value).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/core/log.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/pipeline/config_validation.h"
#include "medpipe/radiomics/features.h"

namespace medpipe::cli {
namespace {
namespace fs = std::filesystem;

bool isVolumeFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && extensionAccepts(path.filename().string(), DataKind::Image);
}

// A volume file, or a folder (or file) of one DICOM series.
ImageF::Pointer readInputImage(const fs::path& path) {
  if (isVolumeFile(path)) return readImage(path);
  if (!fs::exists(path)) throw Error(path.string(), "", "no such file or folder");
  const DicomIndex index = indexDicomFolder(path);
  if (index.volumes.empty()) throw Error(path.string(), "", "no DICOM image series found");
  if (index.volumes.size() > 1)
    throw Error(path.string(), "",
                std::to_string(index.volumes.size()) +
                    " image volumes found: give the folder of one series (see medpipe scan)");
  return readVolume(index.volumes.front(), IrregularGeometry::Resample);
}

// A label map file on the image's grid, or a DICOM SEG or RTSTRUCT object read onto it: the ROIs
// matching `roiGlobs` (every ROI when empty), labels 1, 2, ... in the file's order.
LabelImage::Pointer readInputLabels(const fs::path& path, const ImageF& image, const std::string& roiGlobs) {
  if (isVolumeFile(path)) {
    if (!roiGlobs.empty()) throw Error(path.string(), "--roi", "selects ROIs of a SEG or RTSTRUCT, not of a label map file");
    return readLabelImage(path);
  }
  if (!fs::is_regular_file(path))
    throw Error(path.string(), "", "give a label map file (.nii.gz, .nrrd, .mha), a DICOM SEG or an RTSTRUCT file");
  RegionReadOptions options;
  options.rois = splitRoiGlobs(roiGlobs);
  const RegionMap map = readRegionObject(path, image, options);
  for (const auto& r : map.regions) logInfo("label " + std::to_string(r.label) + ": ROI '" + r.name + "'");
  return map.labels;
}

std::string formatNumber(double v) {
  if (!std::isfinite(v)) return "";  // undefined (e.g. correlation of a single grey level)
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

void writeLongTable(const LabelTable& table, const fs::path& path, bool json) {
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    JsonWriter writer(out);
    if (json)
      writer.beginArray();
    else
      out << "label,family,tag,ibsi_code,value\n";
    for (const auto& row : table.rows)
      for (size_t c = 1; c < table.columns.size(); ++c) {
        const std::string& tag = table.columns[c];
        const radiomics::FeatureInfo* info = radiomics::findFeature(tag);
        const std::string family = info ? info->family : "diag", code = info ? info->code : "";
        if (json) {
          writer.beginObject().field("label", static_cast<long long>(row[0])).field("family", family);
          writer.field("tag", tag).field("ibsi_code", code).field("value", row[c]).endObject();
        } else {
          out << static_cast<long long>(row[0]) << ',' << family << ',' << tag << ',' << code << ','
              << formatNumber(row[c]) << '\n';
        }
      }
    if (json) writer.endArray(), out << '\n';
    if (!out) throw Error(path.string(), "", "could not write");
  });
}

// Splits diag_* columns off into their own table.
LabelTable takeDiagnostics(LabelTable& table) {
  LabelTable diag, rest;
  for (size_t c = 0; c < table.columns.size(); ++c)
    (c == 0 || table.columns[c].rfind("diag_", 0) == 0 ? diag : rest).columns.push_back(table.columns[c]);
  rest.columns.insert(rest.columns.begin(), "label");
  for (const auto& row : table.rows) {
    std::vector<double> d, r{row[0]};
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c == 0 || table.columns[c].rfind("diag_", 0) == 0)
        d.push_back(row[c]);
      else
        r.push_back(row[c]);
    }
    diag.rows.push_back(std::move(d));
    rest.rows.push_back(std::move(r));
  }
  table = std::move(rest);
  return diag;
}

}  // namespace

int runRadiomics(const Args& args) {
  const Stage& stage = findStage("radiomics");
  CommandLine line;
  line.usage =
      "medpipe radiomics IMAGE LABELS -o OUT.csv|OUT.json [--roi NAMES] [--wide] [--diagnostics DIAG.json] [stage "
      "options]";
  std::string imagePath, labelsPath, output, diagnosticsPath, roiGlobs;
  bool wide = false, quiet = false, verbose = false;
  line.options.add_options()("image", po::value(&imagePath)->required(),
                             "a volume file (.nii.gz, .nrrd, .mha) or the folder of one DICOM series")(
      "labels", po::value(&labelsPath)->required(),
      "a label map on the image's grid, or a DICOM SEG or RTSTRUCT file of the series")(
      "roi", po::value(&roiGlobs),
      "SEG or RTSTRUCT: the ROIs to measure, names or globs, comma-separated (\"GTV*,Lung*\"); default every ROI; "
      "labels 1, 2, ... in the file's order")(
      "output,o", po::value(&output)->required(),
      "the feature table: .csv or .json; one row per label and feature (label, family, tag, ibsi_code, value)")(
      "wide", po::bool_switch(&wide), "one row per label, one column per feature")(
      "diagnostics", po::value(&diagnosticsPath),
      "also write IBSI's diagnostic values (grid sizes, voxel counts, "
      "mean intensity after each processing step) to this JSON file")(
      "quiet,q", po::bool_switch(&quiet), "no informational messages")("verbose,v", po::bool_switch(&verbose),
                                                                       "also debug messages");
  // Every stage parameter is an option of the same name; booleans are plain switches.
  std::map<std::string, std::string> given;
  std::map<std::string, bool> switches;
  for (const auto& spec : stage.spec().parameters) {
    if (spec.name == "diagnostics") continue;  // --diagnostics FILE covers it
    const std::string help =
        spec.doc + (spec.unit.empty() ? "" : " [" + spec.unit + "]") +
        (spec.type == ParameterType::Boolean ? "" : " (default: " + formatParameterValue(spec.defaultValue) + ")");
    if (spec.type == ParameterType::Boolean)
      line.options.add_options()(spec.name.c_str(), po::bool_switch(&switches[spec.name]), help.c_str());
    else
      line.options.add_options()(spec.name.c_str(), po::value(&given[spec.name]), help.c_str());
  }
  line.positional.add("image", 1).add("labels", 1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(quiet, verbose);
  return reportErrors("radiomics", [&] {
    const std::string ext = fullExtension(output);
    if (ext != ".csv" && ext != ".json") throw Error(output, "-o", "the output must end in .csv or .json");
    std::map<std::string, ParameterValue> parameters;
    for (const auto& spec : stage.spec().parameters) {
      if (spec.type == ParameterType::Boolean) {
        if (switches[spec.name]) parameters[spec.name] = true;
      } else if (vm.count(spec.name)) {
        parameters[spec.name] = parseParameterText(stage.spec().name, spec, given[spec.name]);
      }
    }
    if (!diagnosticsPath.empty()) parameters["diagnostics"] = true;
    const ImageF::Pointer image = readInputImage(imagePath);
    const LabelImage::Pointer labels = readInputLabels(labelsPath, *image, roiGlobs);
    StageInputs inputs;
    inputs["image"].image = image;
    inputs["labels"].labels = labels;
    const StageData result = runStage(stage, inputs, parameters, terminalProgress("radiomics"));
    LabelTable table = *result.table;
    if (!diagnosticsPath.empty()) {
      const LabelTable diagnostics = takeDiagnostics(table);
      diagnostics.writeJson(diagnosticsPath);
    }
    if (wide) {
      if (ext == ".csv")
        table.writeCsv(output);
      else
        table.writeJson(output);
    } else {
      writeLongTable(table, output, ext == ".json");
    }
    std::cout << output << "\n";
    return kSuccess;
  });
}

}  // namespace medpipe::cli
