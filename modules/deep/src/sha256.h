#pragma once
// SHA-256 of a file, hex, for the weights named by a model card (FIPS 180-4).
#include <filesystem>
#include <string>

namespace medpipe::deep {
std::string sha256OfFile(const std::filesystem::path& file);  // throws medpipe::Error when unreadable
std::string sha256OfBytes(const std::string& bytes);
}  // namespace medpipe::deep
