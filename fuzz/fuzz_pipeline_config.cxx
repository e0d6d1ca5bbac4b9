// libFuzzer: bytes -> parsePipelineConfig -> planPipeline (and the config hash of a valid plan).
// Refusals must be medpipe::Error; any other exception, a crash or a sanitizer report is a finding.
// No file system access: a config that names files is only parsed and validated, never run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/pipeline/config_validation.h"
#include "medpipe/pipeline/pipeline_config.h"
#include "medpipe/pipeline/pipeline_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const medpipe::PipelineConfig config =
        medpipe::parsePipelineConfig(text, "fuzz.yaml", {}, {{"input_dir", "/in"}, {"output_dir", "/out"}});
    const medpipe::PipelinePlan plan = medpipe::planPipeline(config);
    for (const auto& problem : plan.problems) (void)problem.str();
    if (plan.ok()) (void)medpipe::configHash(config, plan);
  } catch (const medpipe::Error&) {
  }
  return 0;
}
