#pragma once
// What the harnesses share: a private scratch folder per process (in /dev/shm when there is one, so
// the file round trip stays in memory; libFuzzer ends with _Exit, so scripts/fuzz.sh removes it) and
// byte-exact file writes. medpipe reads DICOM from files only, so every input goes through a file,
// as it would in production.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace medpipe::fuzz {

inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto path = base / ("medpipe-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

inline void writeBytes(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace medpipe::fuzz
