#include "report_render.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <itkBinShrinkImageFilter.h>

#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "medpipe/report/batch_report.h"

extern char** environ;

namespace medpipe::cli {

namespace {

// Runs `medpipe render` as a child with stderr into `log`; "" on success, else the first line it
// printed (without VTK's colour codes).
std::string renderOnce(std::vector<char*>& args, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawned != 0 || ::waitpid(pid, &status, 0) < 0) return "cannot start medpipe render";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::ifstream in(log);
  std::string line, problem;
  std::getline(in, line);
  for (size_t i = 0; i < line.size(); ++i) {  // without VTK's colour codes (ESC [ ... m)
    if (line[i] == '\033')
      i = std::min(line.find('m', i), line.size());
    else
      problem += line[i];
  }
  return problem.empty() ? "medpipe render failed" : problem;
}

// The picture is 256 pixels wide: a volume over that along an axis is averaged down in blocks
// (BinShrink keeps the physical extent), so the child writes, reads and ray-casts a fraction of it
// (512x512x300: 8 times fewer voxels, the picture the same to the eye).
constexpr unsigned kPictureSize = 256;
ImageF::ConstPointer pictureSized(const ImageF& input) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  itk::BinShrinkImageFilter<ImageF, ImageF>::ShrinkFactorsType factors;
  bool shrink = false;
  for (unsigned d = 0; d < Dimension; ++d) {
    factors[d] = (size[d] + kPictureSize - 1) / kPictureSize;
    shrink = shrink || factors[d] > 1;
  }
  if (!shrink) return &input;
  auto filter = itk::BinShrinkImageFilter<ImageF, ImageF>::New();
  filter->SetInput(&input);
  filter->SetShrinkFactors(factors);
  filter->Update();
  return filter->GetOutput();
}

}  // namespace

void renderForReport(const ImageF& input, const InputIdentity& identity, const std::filesystem::path& folder) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  if (size[0] < 2 || size[1] < 2 || size[2] < 2) return;  // a single slice is no volume to render
  const std::filesystem::path volume = folder / ".report-render-input.nii", log = folder / ".report-render.log";
  std::string problem;
  try {
    writeImage(*pictureSized(input), volume);  // uncompressed: written and read again fastest
    const std::string preset = identity.description.find("(CT,") != std::string::npos ? "ct-soft-tissue" : "mr-default";
    // This very program, so the child renders exactly as `medpipe render` does (and inherits DISPLAY).
    std::vector<std::string> argv = {"/proc/self/exe", "render", volume.string(),
                                     "--preset",       preset,   "--size",
                                     std::to_string(kPictureSize) + "x" + std::to_string(kPictureSize),        "-o",     (folder / kReportRenderFile).string()};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    // One retry: a render failed once in a loaded test run, cause not found; a picture that fails
    // twice is left out with the reason.
    for (int attempt = 0; attempt < 2; ++attempt) {
      problem = renderOnce(args, log);
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
