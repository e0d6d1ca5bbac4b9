#include "report_render.h"

#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "medpipe/report/batch_report.h"
#include "render_helper.h"

namespace medpipe::cli {

void renderForReport(const ImageF& input, const InputIdentity& identity, const std::filesystem::path& folder) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  if (size[0] < 2 || size[1] < 2 || size[2] < 2) return;  // a single slice is no volume to render
  const std::filesystem::path volume = folder / ".report-render-input.nii", log = folder / ".report-render.log";
  std::string problem;
  try {
    writeImage(input, volume);  // uncompressed: written and read again fastest
    const std::string preset = identity.description.find("(CT,") != std::string::npos ? "ct-soft-tissue" : "mr-default";
    const Args args = {"render", volume.string(), "--preset", preset, "--size", "256x256",
                       "-o", (folder / kReportRenderFile).string()};
    // One retry: a render failed once in a loaded test run, cause not found; a picture that fails
    // twice is left out with the reason.
    for (int attempt = 0; attempt < 2; ++attempt) {
      problem = runRenderHelper(args, log);
      if (problem.empty()) break;
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  std::error_code ec;
  std::filesystem::remove(volume, ec);
  std::filesystem::remove(log, ec);
  if (!problem.empty())
    std::cerr << "medpipe run: warning: " << folder.string() << ": no 3D picture for the report: " << problem << "\n";
}

}  // namespace medpipe::cli
