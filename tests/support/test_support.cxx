#include "test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/io/image_file.h"

namespace medpipe::test {

TempDir::TempDir(const std::string& name) {
  path_ = fs::temp_directory_path() / ("medpipe-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

namespace {
std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

CommandResult runCommand(const std::string& commandLine) {
  static int counter = 0;
  const fs::path base = fs::temp_directory_path() /
                        ("medpipe-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const std::string out = base.string() + ".out", err = base.string() + ".err";
  const int status = std::system((commandLine + " >" + out + " 2>" + err + " </dev/null").c_str());
  CommandResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(out);
  result.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return result;
}

CommandResult runMedpipe(const std::string& arguments) { return runCommand(std::string(MEDPIPE_EXE) + " " + arguments); }

fs::path sharedDataDir() {
  const char* env = std::getenv("MEDPIPE_SHARED_DATA");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(MEDPIPE_SHARED_DATA);
  return fs::is_directory(dir) ? fs::canonical(dir) : fs::path();
}

Phantom writePhantomSeries(const PhantomSpec& spec, const fs::path& folder) {
  Phantom phantom = makeBodyPhantom(spec);
  DicomSeriesInfo info;
  info.patientName = "TEST^PHANTOM";
  info.patientId = "TEST-ID-1";
  info.seriesDescription = "Phantom CT";
  info.rescaleIntercept = -1024;
  writeDicomSeries(*phantom.image, folder, info);
  return phantom;
}

void writePhantomExport(const fs::path& root, int count, const PhantomSpec& base) {
  for (int series = 1; series <= count; ++series) {
    PhantomSpec spec = base;
    spec.seed = series;
    DicomSeriesInfo info;
    info.seriesNumber = series;
    info.seriesDescription = "Series " + std::to_string(series);
    info.rescaleIntercept = -1024;
    info.studyInstanceUid = "1.2.3.4";
    writeDicomSeries(*makeBodyPhantom(spec).image, root / ("S" + std::to_string(series)), info);
  }
}

ImageF::Pointer convertWithDcm2niix(const fs::path& dicomFolder, const fs::path& workFolder) {
  fs::create_directories(workFolder);
  const auto result = runCommand("dcm2niix -z n -f oracle -o '" + workFolder.string() + "' '" + dicomFolder.string() + "'");
  if (result.exitCode != 0) {
    ADD_FAILURE() << "dcm2niix failed (exit " << result.exitCode << "); install it with scripts/install-deps.sh\n"
                  << result.out << result.err;
    return nullptr;
  }
  const fs::path nifti = workFolder / "oracle.nii";
  if (!fs::exists(nifti)) {
    ADD_FAILURE() << "dcm2niix wrote no single volume oracle.nii:\n" << result.out;
    return nullptr;
  }
  return readImage(nifti);
}

}  // namespace medpipe::test
