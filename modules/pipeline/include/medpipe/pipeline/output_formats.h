#pragma once
// Output formats beyond image and table files, chosen with `format:` on an output: each says
// which kinds of step result it accepts and writes one. Built in: `dicom` (derived series or SEG)
// and `preview` (slice montage PNG); the CLI adds `render` (VTK volume rendering) when built with VTK.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe {

struct InputIdentity;

struct OutputContext {
  const StageData& data;
  const ImageF* background;  // the `over:` step's image (default: the input) for label maps
  const OutputConfig& output;
  const InputIdentity& identity;
  const ImageWriteOptions& write;
};

struct OutputFormat {
  std::string name;
  std::vector<DataKind> accepts;
  std::string extension;                 // required file extension, "" for any (a folder for dicom)
  std::vector<std::string> optionNames;  // keys besides step, file, format and over
  std::function<void(const OutputContext&, const std::filesystem::path&)> write;
};

void registerOutputFormat(OutputFormat format);
const OutputFormat* findOutputFormat(const std::string& name);  // nullptr when unknown
std::vector<std::string> outputFormatNames();

}  // namespace medpipe
