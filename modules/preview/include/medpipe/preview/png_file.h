#pragma once
// PNG files through ITK's PNG IO, so pictures can be written without VTK or OpenGL.
#include <filesystem>

#include "medpipe/preview/rgb_image.h"

namespace medpipe {

// Writes atomically (temporary file, then rename); throws medpipe::Error naming the file.
void writePng(const RgbImage& image, const std::filesystem::path& path);

// Reads any PNG (grey, RGB, RGBA: alpha dropped) as RGB; throws medpipe::Error naming the file.
RgbImage readPng(const std::filesystem::path& path);

}  // namespace medpipe
