// medpipe plan CONFIG: the work units a run would process, for workflow engines (Snakemake).
#include <iostream>

#include "pipeline_options.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/pipeline/batch_runner.h"

namespace medpipe::cli {

int runPlan(const Args& args) {
  CommandLine line;
  line.usage = "medpipe plan CONFIG [--input PATH] [--output DIR] [--json]";
  ConfigOptions config;
  config.addTo(line);
  std::string input, output = "medpipe-output";
  line.options.add_options()
      ("input,i", po::value(&input), "DICOM folder, PACS export root or image file (overrides the config's input)")
      ("output,o", po::value(&output)->default_value(output), "output root; each unit writes to OUTPUT/<unit id>/")
      ("json", "machine-readable output");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  installLogSink(true, false);
  return reportErrors("plan", [&] {
    const auto loaded = config.loadAndPlan(input, output);
    const PipelineConfig& pipeline = loaded->config;
    const WorkPlan work = planWork(pipeline);
    const auto& units = work.units;
    const std::filesystem::path root(output);
    if (!vm.count("json")) {
      for (const auto& u : units) std::cout << u.id << "  " << u.description << "\n";
      for (const auto& u : work.unreadable)
        std::cerr << "medpipe plan: warning: " << u.files << " file(s) in " << u.folder.string()
                  << " could not be read, the first " << formatError(u.first) << "\n";
      return kSuccess;
    }
    JsonWriter json(std::cout);
    json.beginObject().field("config", config.configPath).field("input", pipeline.inputPath).field("output", output);
    json.key("units").beginArray();
    for (const auto& u : units) {
      json.beginObject().field("id", u.id).field("description", u.description);
      std::vector<std::string> files;
      for (const auto& f : u.files()) files.push_back(f.string());
      json.array("inputs", files);
      std::vector<std::string> outputs;
      for (const auto& o : pipeline.outputs) outputs.push_back((root / u.id / o.file).string());
      outputs.push_back((root / u.id / "provenance.json").string());
      json.array("outputs", outputs).field("status", (root / u.id / "status.json").string());
      json.endObject();
    }
    // Files that belong to no unit because they cannot be read: the workflow's summary lists them.
    json.endArray().key("unreadable").beginArray();
    for (const auto& u : work.unreadable) {
      json.beginObject().field("folder", u.folder.string()).field("files", u.files);
      json.field("path", u.first.path).field("field", u.first.field).field("reason", u.first.reason).endObject();
    }
    json.endArray().endObject();
    return kSuccess;
  }, withConfigFlags());
}

}  // namespace medpipe::cli
