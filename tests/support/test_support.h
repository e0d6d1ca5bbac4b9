#pragma once
// Helpers shared by the test suites: temporary folders, running the CLI, locating shared data,
// generating phantom series, and the dcm2niix oracle.
#include <filesystem>
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::test {

namespace fs = std::filesystem;

// A fresh, empty folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& child) const { return path_ / child; }

 private:
  fs::path path_;
};

struct CommandResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

// Runs a shell command line, capturing stdout and stderr.
CommandResult runCommand(const std::string& commandLine);
// Runs the medpipe executable with the given arguments (already shell-quoted where needed).
CommandResult runMedpipe(const std::string& arguments);

// ../shared/data, or an empty path when it is not there.
fs::path sharedDataDir();
#define MEDPIPE_REQUIRE_SHARED_DATA(sub)                                                        \
  if (::medpipe::test::sharedDataDir().empty() ||                                               \
      !std::filesystem::exists(::medpipe::test::sharedDataDir() / (sub)))                       \
  GTEST_SKIP() << "real DICOM data not found at " MEDPIPE_SHARED_DATA "/" << (sub)               \
               << " (../shared/data beside the project); skipping"

// Writes a phantom as a DICOM series into `folder` (CT, stored unsigned with intercept -1024).
Phantom writePhantomSeries(const PhantomSpec& spec, const fs::path& folder);

// A PACS-like export: `count` CT series of one study below root/S1 .. root/Sn, series n a phantom
// of `base` with seed n, number n and description "Series n".
void writePhantomExport(const fs::path& root, int count, const PhantomSpec& base);

// Converts `dicomFolder` with dcm2niix (uncompressed NIfTI) and reads the single result.
// Fails the current test (returns nullptr) when dcm2niix is missing or writes no single volume.
ImageF::Pointer convertWithDcm2niix(const fs::path& dicomFolder, const fs::path& workFolder);

}  // namespace medpipe::test
