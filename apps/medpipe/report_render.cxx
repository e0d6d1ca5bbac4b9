#include "report_render.h"

#include <signal.h>
#include <sys/wait.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <itkBinShrinkImageFilter.h>

#include "medpipe/core/error.h"
#include "medpipe/io/image_file.h"
#include "medpipe/report/batch_report.h"
#include "render_helper.h"

namespace medpipe::cli {

namespace {

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

// The picture's medpipe-render child, started before the unit's steps so that it draws beside them
// (it is single-threaded: 2 s on a 512x512x300 CT that the run used to wait for after its steps).
// Dropped unfinished (the steps failed or were cancelled), it stops the child and cleans up.
class PictureJob {
 public:
  PictureJob(const ImageF& input, const InputIdentity& identity, const std::filesystem::path& folder)
      : folder_(folder), volume_(folder / ".report-render-input.nii"), log_(folder / ".report-render.log") {
    writeImage(*pictureSized(input), volume_);  // uncompressed: written and read again fastest
    const std::string preset = identity.description.find("(CT,") != std::string::npos ? "ct-soft-tissue" : "mr-default";
    args_ = {"render", volume_.string(), "--preset", preset, "--size",
             std::to_string(kPictureSize) + "x" + std::to_string(kPictureSize), "-o", (folder / kReportRenderFile).string()};
    pid_ = startRenderHelper(args_, log_, problem_);
  }
  PictureJob(const PictureJob&) = delete;
  PictureJob& operator=(const PictureJob&) = delete;

  ~PictureJob() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    removeWorkFiles();
  }

  // Waits for the picture; one retry, as a render failed once in a loaded test run (cause not
  // found); a picture that fails twice is left out with the reason.
  void finish() {
    if (pid_ > 0) problem_ = waitForRenderHelper(std::exchange(pid_, 0), log_);
    if (!problem_.empty()) problem_ = runRenderHelper(args_, log_);
    removeWorkFiles();
    if (!problem_.empty())
      std::cerr << "medpipe run: warning: " << folder_.string() << ": no 3D picture for the report: " << problem_ << "\n";
  }

 private:
  void removeWorkFiles() {
    std::error_code ec;
    std::filesystem::remove(volume_, ec);
    std::filesystem::remove(log_, ec);
  }

  std::filesystem::path folder_, volume_, log_;
  Args args_;
  int pid_ = 0;
  std::string problem_;
};

}  // namespace

std::function<void()> startReportPicture(const ImageF& input, const InputIdentity& identity,
                                         const std::filesystem::path& folder) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  if (size[0] < 2 || size[1] < 2 || size[2] < 2) return {};  // a single slice is no volume to render
  try {
    auto job = std::make_shared<PictureJob>(input, identity, folder);
    return [job] { job->finish(); };
  } catch (const std::exception& e) {
    std::cerr << "medpipe run: warning: " << folder.string() << ": no 3D picture for the report: " << e.what() << "\n";
    return {};
  }
}

}  // namespace medpipe::cli
