#pragma once
// Output formats beyond image and table files, chosen with `format:` on an output: each says
// which kinds of step result it accepts, declares its options as typed parameters (the same
// ParameterSpec as stage parameters: validation and docs/outputs.md come from the declaration)
// and writes one. Built in: `dicom` (derived series or SEG) and `preview` (slice montage PNG);
// the CLI declares `render` (VTK volume rendering), whose writer exists when built with VTK.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/pipeline_config.h"

namespace medpipe {

struct InputIdentity;
class UidMap;

struct OutputContext {
  const StageData& data;
  const ImageF* background;  // the `over:` step's image (default: the input) for label maps
  const OutputConfig& output;
  const ParameterValues& options;  // the format's options, validated, defaults filled in
  const InputIdentity& identity;
  const ImageWriteOptions& write;
  UidMap& uids;  // the run's UID map: every de-identified output of every unit shares it
};

struct OutputFormat {
  std::string name;
  std::string summary;  // one line, for docs/outputs.md
  std::vector<DataKind> accepts;
  std::string extension;                // required file extension, "" for any (a folder for dicom)
  std::vector<ParameterSpec> options;   // keys besides step, file, format and over
  std::string unavailable;              // why this build cannot write it (render without VTK), else ""
  std::function<void(const OutputContext&, const std::filesystem::path&)> write;
};

void registerOutputFormat(OutputFormat format);
const OutputFormat* findOutputFormat(const std::string& name);  // nullptr when unknown
std::vector<std::string> outputFormatNames();
std::vector<OutputFormat> allOutputFormats();  // sorted by name

// One option's text parsed and checked against its declaration. Throws medpipe::Error with field
// "<option>" and a reason naming what is allowed (or, for an unknown option, the format's options).
ParameterValue parseOutputOption(const OutputFormat& format, const std::string& name, const std::string& text);

// The output's options parsed and checked against the format's declaration, defaults filled in.
// Throws medpipe::Error with field "<option>" on the first bad one (planPipeline reports them all).
ParameterValues outputOptionValues(const OutputFormat& format, const OutputConfig& output);

// docs/outputs.md: the file outputs and every format with its options, from the declarations.
std::string outputFormatsMarkdown();

}  // namespace medpipe
