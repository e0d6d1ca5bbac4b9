#include "medpipe/io/gzip_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"

namespace medpipe {
namespace {

constexpr size_t kWindow = 32768;  // deflate's window: the dictionary a block is primed with

struct Block {
  size_t begin = 0, size = 0;  // in the batch buffer
  std::vector<unsigned char> out;
  uLong crc = 0;
};

// Raw deflate of one block, primed with the bytes just before it. All blocks but the file's last
// end with a sync flush (byte aligned, not final), so their outputs concatenate into one stream.
void deflateBlock(const std::vector<unsigned char>& data, Block& block, int level, bool last) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("", "", "cannot start zlib");
  const size_t dict = std::min(block.begin, kWindow);
  if (dict > 0) deflateSetDictionary(&z, data.data() + block.begin - dict, static_cast<uInt>(dict));
  block.out.resize(deflateBound(&z, block.size) + 16);  // + the sync flush's empty stored block
  z.next_in = const_cast<unsigned char*>(data.data() + block.begin);
  z.avail_in = static_cast<uInt>(block.size);
  z.next_out = block.out.data();
  z.avail_out = static_cast<uInt>(block.out.size());
  const int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
  const bool ok = last ? rc == Z_STREAM_END : (rc == Z_OK && z.avail_in == 0 && z.avail_out > 0);
  block.out.resize(block.out.size() - z.avail_out);
  deflateEnd(&z);
  if (!ok) throw Error("", "", "zlib could not compress a block");
  block.crc = crc32(0L, data.data() + block.begin, static_cast<uInt>(block.size));
}

void putLittleEndian32(std::ofstream& out, uLong value) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(value), static_cast<unsigned char>(value >> 8),
                                  static_cast<unsigned char>(value >> 16), static_cast<unsigned char>(value >> 24)};
  out.write(reinterpret_cast<const char*>(bytes), 4);
}

// The gzip stream of `total` bytes that `fill(destination, offset, count)` supplies in order.
void gzipStream(uintmax_t total, const std::function<void(unsigned char*, uintmax_t, size_t)>& fill,
                const std::filesystem::path& to, int level, unsigned threads, const std::string& where, size_t blockBytes) {
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(where, "", "cannot write image");
  level = std::clamp(level, 1, 9);
  threads = std::max(1u, threads);
  blockBytes = std::max(blockBytes, kWindow);

  // gzip header: deflate, no name, no time stamp, XFL 4 (fastest) or 2 (best), OS 3 (Unix).
  const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, static_cast<unsigned char>(level == 1 ? 4 : level == 9 ? 2 : 0), 3};
  out.write(reinterpret_cast<const char*>(header), sizeof header);

  // A batch holds one block per thread, after the previous batch's last 32 KiB (the dictionary).
  std::vector<unsigned char> data;
  std::vector<Block> blocks(threads);
  uLong crc = crc32(0L, Z_NULL, 0);
  uintmax_t consumed = 0;
  do {
    const size_t keep = std::min(data.size(), kWindow);
    std::copy(data.end() - static_cast<std::ptrdiff_t>(keep), data.end(), data.begin());
    const size_t want = static_cast<size_t>(std::min<uintmax_t>(total - consumed, uintmax_t{blockBytes} * threads));
    data.resize(keep + want);
    fill(data.data() + keep, consumed, want);
    consumed += want;
    const bool lastBatch = consumed == total;

    // The blocks this batch fills (one, possibly empty, for an empty file); only the file's very
    // last block finishes the stream.
    const size_t count = std::max<size_t>(1, (want + blockBytes - 1) / blockBytes);
    for (size_t i = 0; i < count; ++i) {
      blocks[i].begin = keep + blockBytes * i;
      blocks[i].size = std::min(blockBytes, want - blockBytes * i);
    }
    forEachPart(count, threads, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) deflateBlock(data, blocks[i], level, lastBatch && i + 1 == count);
    });
    for (size_t i = 0; i < count; ++i) {
      out.write(reinterpret_cast<const char*>(blocks[i].out.data()), static_cast<std::streamsize>(blocks[i].out.size()));
      crc = crc32_combine(crc, blocks[i].crc, static_cast<z_off_t>(blocks[i].size));
    }
  } while (consumed < total);

  putLittleEndian32(out, crc);
  putLittleEndian32(out, static_cast<uLong>(total & 0xffffffffu));
  out.close();
  if (!out) throw Error(where, "", "cannot write image (disk full?)");
}

}  // namespace

void gzipFile(const std::filesystem::path& from, const std::filesystem::path& to, int level, unsigned threads,
              const std::filesystem::path& reportedPath, size_t blockBytes) {
  const std::string where = reportedPath.string();
  std::error_code ec;
  const uintmax_t total = std::filesystem::file_size(from, ec);
  std::ifstream in(from, std::ios::binary);
  if (ec || !in) throw Error(where, "", "cannot write image");
  gzipStream(total, [&](unsigned char* destination, uintmax_t, size_t count) {
    in.read(reinterpret_cast<char*>(destination), static_cast<std::streamsize>(count));
    if (static_cast<size_t>(in.gcount()) != count) throw Error(where, "", "cannot write image: the plain file changed");
  }, to, level, threads, where, blockBytes);
}

void gzipBytes(const std::string& head, uintmax_t dataBytes, const GzipFill& fillData, const std::filesystem::path& to,
               int level, unsigned threads, const std::filesystem::path& reportedPath, size_t blockBytes) {
  gzipStream(head.size() + dataBytes, [&](unsigned char* destination, uintmax_t offset, size_t count) {
    if (offset < head.size()) {  // the part of the head this batch holds, then the data's
      const size_t n = std::min<size_t>(count, head.size() - offset);
      std::memcpy(destination, head.data() + offset, n);
      destination += n, offset += n, count -= n;
    }
    if (count > 0) fillData(destination, offset - head.size(), count);
  }, to, level, threads, reportedPath.string(), blockBytes);
}

void gzipBytes(const std::string& head, const void* data, size_t dataBytes, const std::filesystem::path& to, int level,
               unsigned threads, const std::filesystem::path& reportedPath, size_t blockBytes) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  gzipBytes(head, dataBytes, [&](unsigned char* destination, uintmax_t offset, size_t count) {
    std::memcpy(destination, bytes + offset, count);
  }, to, level, threads, reportedPath, blockBytes);
}

}  // namespace medpipe
