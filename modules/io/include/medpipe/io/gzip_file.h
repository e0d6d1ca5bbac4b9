#pragma once
// gzip for big image files, compressed on several threads as bgzip does: the data is cut into
// blocks and each block becomes a gzip member of its own (libdeflate), written in order. A gzip
// file is a series of members (RFC 1952, 2.2): zlib's gzread, ITK, nibabel and gunzip read it as
// one stream.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace medpipe {

// Compresses `from` into `to` at zlib level 1..9 with `threads` threads, blocks of `blockBytes`.
// The headers carry no name and no time stamp, so the output depends on the input, level and block
// size only (not on the thread count).
// Throws medpipe::Error naming `reportedPath` when reading or writing fails (a full disk).
void gzipFile(const std::filesystem::path& from, const std::filesystem::path& to, int level, unsigned threads,
              const std::filesystem::path& reportedPath, size_t blockBytes = size_t{4} << 20);

// The same for `head` followed by `dataBytes` bytes at `data` (a NIfTI header and the voxels in
// memory): the file that gzipFile makes of those bytes, without writing them to disk first.
void gzipBytes(const std::string& head, const void* data, size_t dataBytes, const std::filesystem::path& to, int level,
               unsigned threads, const std::filesystem::path& reportedPath, size_t blockBytes = size_t{4} << 20);

// The same with the data made as it is compressed: fillData(destination, offset, count) writes the
// data's bytes [offset, offset + count) (voxels converted on the fly, without a copy of the volume).
using GzipFill = std::function<void(unsigned char* destination, uintmax_t offset, size_t count)>;
void gzipBytes(const std::string& head, uintmax_t dataBytes, const GzipFill& fillData, const std::filesystem::path& to,
               int level, unsigned threads, const std::filesystem::path& reportedPath, size_t blockBytes = size_t{4} << 20);

}  // namespace medpipe
