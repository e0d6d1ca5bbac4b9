// medpipe slicer-cli STAGE [--PARAM VALUE]... FILES...: one stage run the way 3D Slicer calls a CLI
// module (files by position in the order of `medpipe slicer-xml STAGE`, or --input/--output), with
// Slicer's <filter-progress> lines on stdout. `--xml` prints the module description.
#include <chrono>
#include <cmath>
#include <iostream>
#include <mutex>

#include "cli_support.h"
#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/config_validation.h"
#include "slicer_module.h"

namespace medpipe::cli {
namespace {

namespace fs = std::filesystem;

// Both spellings: "inside_value" as Slicer passes it, "inside-value" as configs write it.
std::vector<std::string> flagNames(const ParameterSpec& p) {
  const std::string id = slicerIdentifier(p.name);
  return id == p.name ? std::vector<std::string>{p.name} : std::vector<std::string>{id, p.name};
}

void addParameterOptions(const StageSpec& spec, po::options_description& options) {
  for (const auto& p : spec.parameters) {
    for (const auto& flag : flagNames(p)) {
      const std::string doc = p.doc + (p.unit.empty() ? "" : " [" + p.unit + "]");
      if (p.type == ParameterType::Points) {
        options.add_options()(flag.c_str(), po::value<std::vector<std::string>>(),
                              (doc + "; one x,y,z (mm, LPS) per flag").c_str());
      } else if (p.type == ParameterType::Boolean) {
        // Slicer passes a boolean only when it is set: present means true (every stage defaults to false).
        options.add_options()(flag.c_str(), po::value<std::string>()->implicit_value("true"), doc.c_str());
      } else {
        options.add_options()(flag.c_str(), po::value<std::string>(),
                              (doc + " (default " + formatParameterValue(p.defaultValue) + ")").c_str());
      }
    }
  }
}

std::map<std::string, ParameterValue> givenParameters(const StageSpec& spec, const po::variables_map& vm) {
  std::map<std::string, ParameterValue> given;
  for (const auto& p : spec.parameters) {
    std::string text;
    bool found = false;
    for (const auto& flag : flagNames(p)) {
      if (!vm.count(flag)) continue;
      if (found)
        throw Error("", "--" + flag, "given twice (as --" + slicerIdentifier(p.name) + " and --" + p.name + ")");
      found = true;
      if (p.type == ParameterType::Points) {
        for (const auto& point : vm[flag].as<std::vector<std::string>>()) text += (text.empty() ? "" : ";") + point;
      } else {
        text = vm[flag].as<std::string>();
      }
    }
    if (found) given[p.name] = parseParameterText(spec.name, p, text);
  }
  return given;
}

// Slicer stores label maps as short or int: read the values as they are and refuse what a uint8
// label map cannot hold, instead of letting the cast wrap 300 to 44.
LabelImage::Pointer readLabels(const fs::path& path) {
  const ImageF::Pointer values = readImage(path);
  auto labels = LabelImage::New();
  labels->CopyInformation(values);
  labels->SetRegions(values->GetBufferedRegion());
  labels->Allocate();
  const size_t count = values->GetBufferedRegion().GetNumberOfPixels();
  const float* in = values->GetBufferPointer();
  for (size_t i = 0; i < count; ++i) {
    if (!(in[i] >= 0 && in[i] <= 255 && in[i] == std::floor(in[i])))
      throw Error(path.string(), "labels",
                  "value " + formatParameterValue(double(in[i])) + " at voxel " + std::to_string(i) +
                      " is not a label (whole numbers 0..255)");
    labels->GetBufferPointer()[i] = static_cast<LabelImage::PixelType>(in[i]);
  }
  return labels;
}

StageData readInput(const SlicerFileArgument& file, const fs::path& path) {
  StageData data;
  switch (file.kind) {
    case DataKind::Image:
      data.image = readImage(path);
      break;
    case DataKind::Labels:
      data.labels = readLabels(path);
      break;
    case DataKind::Table:
      throw Error(path.string(), file.name, "table inputs cannot be passed as files");
  }
  return data;
}

void writeOutput(const StageData& result, const fs::path& path, const ImageWriteOptions& options) {
  switch (result.kind()) {
    case DataKind::Image:
      writeImage(*result.image, path, options);
      break;
    case DataKind::Labels:
      writeLabelImage(*result.labels, path, options);
      break;
    case DataKind::Table:
      if (fullExtension(path) == ".json")
        result.table->writeJson(path);
      else
        result.table->writeCsv(path);
      break;
  }
}

// "image output [mask]": the file arguments in Slicer's index order.
std::string fileOrder(const StageSpec& spec) {
  std::string order;
  for (const auto& a : slicerFileArguments(spec))
    order += (order.empty() ? "" : " ") + std::string(a.optional ? "[" : "") + a.name + (a.optional ? "]" : "");
  return order;
}

// Files by position (Slicer) or by --input (in the stage's input order) and --output.
std::map<std::string, fs::path> assignFiles(const StageSpec& spec, const po::variables_map& vm) {
  const auto arguments = slicerFileArguments(spec);
  std::map<std::string, fs::path> files;
  const auto positional = vm.count("file") ? vm["file"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (vm.count("input") || vm.count("output")) {
    if (!positional.empty()) throw Error("", "files", "give the files by position or with --input/--output, not both");
    const auto inputs = vm.count("input") ? vm["input"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (inputs.size() > spec.inputs.size())
      throw Error("", "--input", "stage '" + spec.name + "' takes " + std::to_string(spec.inputs.size()) + " input(s)");
    for (size_t i = 0; i < inputs.size(); ++i) files[spec.inputs[i].name] = inputs[i];
    if (!vm.count("output")) throw Error("", "--output", "is required");
    files["output"] = vm["output"].as<std::string>();
  } else {
    if (positional.size() > arguments.size())
      throw Error("", "files",
                  "stage '" + spec.name + "' takes at most " + std::to_string(arguments.size()) + " files");
    for (size_t i = 0; i < positional.size(); ++i) files[arguments[i].name] = positional[i];
  }
  for (const auto& a : arguments)
    if (!a.optional && !files.count(a.name)) throw Error("", a.name, "missing file (order: " + fileOrder(spec) + ")");
  if (!extensionAccepts(files["output"].string(), spec.output))
    throw Error(files["output"].string(), "output",
                std::string("cannot hold ") + toString(spec.output) +
                    (spec.output == DataKind::Table ? " (use .csv or .json)" : " (use .nii.gz, .nii, .nrrd or .mha)"));
  return files;
}

// Slicer reads these lines from the module's stdout to move its progress bar.
Progress slicerProgress(const std::string& stage) {
  auto mutex = std::make_shared<std::mutex>();
  // ITK filters report progress per pass, so it can step back: Slicer is shown the maximum so far,
  // in steps of at least 1%, and 1 at the end.
  auto shown = std::make_shared<double>(-1.0);
  return Progress([stage, mutex, shown](double fraction, const std::string&) {
    std::lock_guard<std::mutex> lock(*mutex);
    const bool last = fraction >= 1.0 && *shown < 1.0;
    if (fraction < *shown + 0.01 && !last) return;
    *shown = fraction;
    std::cout << "<filter-progress>" << fraction << "</filter-progress>" << std::endl;
  });
}

}  // namespace

int runSlicerCli(const Args& args) {
  if (args.empty() || args[0].rfind("-", 0) == 0) {
    const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
    (help ? std::cout : std::cerr)
        << "Usage: medpipe slicer-cli STAGE [--xml] [--PARAM VALUE]... FILE...\n"
           "       medpipe slicer-cli STAGE [--PARAM VALUE]... --input FILE... --output FILE\n"
           "medpipe slicer-cli STAGE --help lists the stage's parameters and file order.\n";
    return help ? kSuccess : kUsage;
  }
  return reportErrors("slicer-cli", [&]() -> int {
    const StageSpec& spec = findStage(args[0]).spec();
    CommandLine line;
    const std::string order = fileOrder(spec), fileDoc = "files by position: " + order;
    line.usage = "medpipe slicer-cli " + spec.name + " [options] " + order;
    line.options.add_options()("xml", "print the Slicer module description and stop")(
        "input", po::value<std::vector<std::string>>(), "input file, in the stage's input order (repeat for several)")(
        "output", po::value<std::string>(), "output file (.nrrd, .nii.gz, .nii, .mha; .csv or .json for a table)")(
        "file", po::value<std::vector<std::string>>(), fileDoc.c_str())(
        "compression-level", po::value<int>()->default_value(1), "gzip level 1..9 of a compressed output");
    addParameterOptions(spec, line.options);
    line.positional.add("file", -1);
    po::variables_map vm;
    if (auto done = parseCommandLine(Args(args.begin() + 1, args.end()), line, vm)) return *done;
    if (vm.count("xml")) {
      std::cout << slicerModuleXml(spec);
      return kSuccess;
    }
    installLogSink(false, false);
    const auto given = givenParameters(spec, vm);
    const auto files = assignFiles(spec, vm);
    StageInputs inputs;
    for (const auto& a : slicerFileArguments(spec))
      if (a.input && files.count(a.name)) inputs[a.name] = readInput(a, files.at(a.name));
    ImageWriteOptions write;
    write.compressionLevel = vm["compression-level"].as<int>();
    if (write.compressionLevel < 1 || write.compressionLevel > 9)
      throw Error("", "--compression-level", "must be between 1 and 9");

    const auto started = std::chrono::steady_clock::now();
    std::cout << "<filter-start><filter-name>" << spec.name << "</filter-name></filter-start>" << std::endl;
    const StageData result = runStage(findStage(spec.name), inputs, given, slicerProgress(spec.name));
    writeOutput(result, files.at("output"), write);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "<filter-end><filter-name>" << spec.name << "</filter-name><filter-time>" << seconds
              << "</filter-time></filter-end>" << std::endl;
    return kSuccess;
  });
}

}  // namespace medpipe::cli
