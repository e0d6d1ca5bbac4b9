#pragma once
// 3D rendering runs in its own program, medpipe-render, installed beside medpipe: VTK's shared
// libraries (80 of them) load only for commands that render, not for every convert or scan, and
// VTK aborting the process on a failed X connection ends that program, not a batch.
#include <filesystem>
#include <string>

#include "commands.h"

namespace medpipe::cli {

// medpipe-render in the folder of this very program (/proc/self/exe).
std::filesystem::path renderHelperPath();

// Replaces this process by `medpipe-render COMMAND ARGS...` (same stdout, stderr, exit code); returns
// only when it cannot be started, having said so on stderr, with kFailure.
int execRenderHelper(const std::string& command, const Args& args);

// Runs medpipe-render with `args`, stdout to /dev/null and stderr into `log`: "" on success, else
// the first line it printed, without its "medpipe COMMAND: error: " prefix and VTK's colour codes.
std::string runRenderHelper(const Args& args, const std::filesystem::path& log);

// runRenderHelper in two halves: startRenderHelper returns the child's pid (> 0), or 0 with
// `problem` set when it cannot start; waitForRenderHelper waits for that child and says as
// runRenderHelper does.
int startRenderHelper(const Args& args, const std::filesystem::path& log, std::string& problem);
std::string waitForRenderHelper(int pid, const std::filesystem::path& log);

}  // namespace medpipe::cli
