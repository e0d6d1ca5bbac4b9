#pragma once
// Outputs appear whole or not at all: write to a temporary name beside the target, then rename.
#include <filesystem>
#include <functional>

namespace medpipe {

// Calls write(tmpPath) with a temporary path in the target's folder that keeps the target's
// extension (ITK picks its IO by extension), then renames it onto target. On any exception
// the temporary file is removed and the exception propagates; target is left untouched.
void writeAtomically(const std::filesystem::path& target,
                     const std::function<void(const std::filesystem::path& tmpPath)>& write);

// ".nii.gz" for "a/b.nii.gz", ".nrrd" for "x.nrrd", "" for "noext".
std::string fullExtension(const std::filesystem::path& path);

}  // namespace medpipe
