#pragma once
// The batch report's 3D picture of a unit (docs/report.md), rendered by medpipe-render in a child
// process (render_helper.h): VTK aborts the process when its X connection fails, and that must not end a batch.
#include <filesystem>
#include <functional>

#include "medpipe/core/image.h"
#include "medpipe/pipeline/pipeline_runner.h"

namespace medpipe::cli {

// Starts folder/report-render.png (256x256, from the front; ct-soft-tissue for CT, mr-default
// otherwise) from the unit's input volume, drawn in a child process beside the unit's steps; the
// function returned waits for it (RunOptions::startReportPicture). A picture that fails is left
// out with a warning on stderr. Single slices are not rendered (an empty function).
std::function<void()> startReportPicture(const ImageF& input, const InputIdentity& identity,
                                         const std::filesystem::path& folder);

}  // namespace medpipe::cli
