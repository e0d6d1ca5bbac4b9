#pragma once
// Cohorts with a known answer for the cohort tests: phantom series written as a PACS export,
// each with its own variation or defect, run through `medpipe run` by the real pipeline.
#include <filesystem>
#include <functional>
#include <string>

#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::test {

struct CohortSeries {
  PhantomSpec phantom;
  DicomSeriesInfo info;
  double inPlaneScale = 1;         // written spacing / generated spacing: < 1 shrinks the body
  double huOffset = 0;             // added to every voxel
  int dropSlice = -1;              // file index (0-based) removed after writing
};

// Writes the series into root/S<n>/ (n = 1-based position in the call order).
void writeCohortSeries(const std::filesystem::path& folder, const CohortSeries& series);

// The config the cohort tests run: soft tissue, body and bone masks and their label statistics
// (tables as CSV, one as JSON too); bones are numbered by size (spine 1, arm 2).
extern const char* kCohortPipeline;

// Runs `medpipe run` with kCohortPipeline on `exportFolder` into `outFolder`; returns its exit code,
// failing the test with its output when the code is not `expectedExit`.
int runCohortPipeline(const std::filesystem::path& exportFolder, const std::filesystem::path& outFolder,
                      const std::filesystem::path& work, int expectedExit, const std::string& extra = "");

}  // namespace medpipe::test
