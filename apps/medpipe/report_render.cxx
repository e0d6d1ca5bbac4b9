#include "report_render.h"

#include <iostream>
#include <string>
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

}  // namespace

void renderForReport(const ImageF& input, const InputIdentity& identity, const std::filesystem::path& folder) {
  const auto size = input.GetLargestPossibleRegion().GetSize();
  if (size[0] < 2 || size[1] < 2 || size[2] < 2) return;  // a single slice is no volume to render
  const std::filesystem::path volume = folder / ".report-render-input.nii", log = folder / ".report-render.log";
  std::string problem;
  try {
    writeImage(*pictureSized(input), volume);  // uncompressed: written and read again fastest
    const std::string preset = identity.description.find("(CT,") != std::string::npos ? "ct-soft-tissue" : "mr-default";
    const Args args = {"render", volume.string(), "--preset", preset, "--size",
                       std::to_string(kPictureSize) + "x" + std::to_string(kPictureSize), "-o", (folder / kReportRenderFile).string()};
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
