#pragma once
// Turntable frames as one animated GIF, through ImageMagick (Debian package imagemagick) when it
// is installed; medpipe itself writes PNG frames only.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace medpipe::cli {

// Writes `gif` atomically and returns the encoder used ("convert-im6.q16", ...), or nullopt when
// no encoder is installed. Throws medpipe::Error when the encoder fails.
std::optional<std::string> writeAnimatedGif(const std::vector<std::filesystem::path>& frames,
                                            const std::filesystem::path& gif, int delayCentiseconds);

}  // namespace medpipe::cli
