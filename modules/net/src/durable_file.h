#pragma once
// Files that survive a power cut or `kill -9` once a call returns: fsync of the file, rename onto
// the target, fsync of the folder. Used before a C-STORE success response is sent.
#include <filesystem>
#include <functional>

namespace medpipe::net {

// Calls write(tmpPath) for a temporary name beside target, then makes it durable and renames it
// onto target. Throws medpipe::Error naming target when any step fails (the temporary is removed).
void writeDurably(const std::filesystem::path& target, const std::function<void(const std::filesystem::path&)>& write);

// fsync of a file or folder that exists; throws medpipe::Error naming it on failure.
void syncPath(const std::filesystem::path& path);

// True for a UID that is safe as a file name: 1..64 characters of digits and dots.
bool isPlainUid(const std::string& uid);

}  // namespace medpipe::net
