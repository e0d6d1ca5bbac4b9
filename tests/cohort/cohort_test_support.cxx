#include "cohort_test_support.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace medpipe::test {
namespace fs = std::filesystem;

const char* kCohortPipeline = R"(input:
  path: ${input_dir}
  series: modality=CT
steps:
  tissue: {stage: binary-threshold, input: input, lower: -200, upper: 200}
  body: {stage: binary-threshold, input: input, lower: -500, upper: 3000}
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
  bones: {stage: connected-components, input: bone}
  tissue-stats: {stage: label-statistics, input: {image: input, labels: tissue}}
  body-stats: {stage: label-statistics, input: {image: input, labels: body}}
  bone-stats: {stage: label-statistics, input: {image: input, labels: bones}}
outputs:
  - {step: tissue-stats, file: tissue-stats.csv}
  - {step: body-stats, file: body-stats.csv}
  - {step: bone-stats, file: bone-stats.json}
  - {step: bone-stats, file: bone-stats.csv}
)";

void writeCohortSeries(const fs::path& folder, const CohortSeries& series) {
  Phantom phantom = makeBodyPhantom(series.phantom);
  ImageF& image = *phantom.image;
  if (series.huOffset != 0)
    for (float* p = image.GetBufferPointer(), *end = p + image.GetPixelContainer()->Size(); p != end; ++p)
      *p += static_cast<float>(series.huOffset);
  if (series.inPlaneScale != 1) {
    auto spacing = image.GetSpacing();
    auto origin = image.GetOrigin();
    spacing[0] *= series.inPlaneScale, spacing[1] *= series.inPlaneScale;
    origin[0] *= series.inPlaneScale, origin[1] *= series.inPlaneScale;
    image.SetSpacing(spacing);
    image.SetOrigin(origin);
  }
  writeDicomSeries(image, folder, series.info);
  if (series.dropSlice >= 0) {
    char name[32];
    std::snprintf(name, sizeof name, "IM%04d.dcm", series.dropSlice + 1);
    ASSERT_TRUE(fs::remove(folder / name)) << folder / name;
  }
}

int runCohortPipeline(const fs::path& exportFolder, const fs::path& outFolder, const fs::path& work, int expectedExit,
                      const std::string& extra) {
  const fs::path config = work / "cohort-pipeline.yaml";
  std::ofstream(config) << kCohortPipeline;
  const auto r = runMedpipe("run '" + config.string() + "' --input '" + exportFolder.string() + "' --output '" +
                            outFolder.string() + "' -q -j 2 --no-report " + extra);  // the report is tests/report's
  EXPECT_EQ(r.exitCode, expectedExit) << r.out << r.err;
  return r.exitCode;
}

}  // namespace medpipe::test
