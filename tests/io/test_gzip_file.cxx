#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/io/gzip_file.h"
#include "test_support.h"

namespace medpipe {
namespace {

std::string readAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Image-like bytes: smooth runs with noise, so deflate has matches across block boundaries.
std::string sampleBytes(size_t size) {
  std::mt19937 random(7);
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i / 64) % 200 + random() % 4);
  return bytes;
}

std::string gunzip(const std::filesystem::path& path) {
  gzFile in = gzopen(path.string().c_str(), "rb");
  std::string out;
  char buffer[65536];
  int got;
  while ((got = gzread(in, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(got));
  EXPECT_EQ(got, 0) << "gzread error";
  gzclose(in);
  return out;
}

}  // namespace

TEST(GzipFile, RoundTripsEverySizeAndThreadCount) {
  test::TempDir dir("gzip");
  const size_t block = 40000;  // small blocks: many of them, and batches that end mid-way
  for (size_t size : {size_t{0}, size_t{1}, block - 1, block, 2 * block, 5 * block + 17, size_t{1} << 20}) {
    const std::string data = sampleBytes(size);
    std::ofstream(dir / "plain", std::ios::binary) << data;
    std::string first;
    for (unsigned threads : {1u, 2u, 3u}) {
      gzipFile(dir / "plain", dir / "out.gz", 6, threads, "out.nii.gz", block);
      EXPECT_EQ(gunzip(dir / "out.gz"), data) << size << " bytes, " << threads << " threads";
      // The same bytes whatever the thread count: reruns with another -j are identical.
      const std::string packed = readAll(dir / "out.gz");
      if (threads == 1) first = packed;
      EXPECT_EQ(packed, first) << size << " bytes, " << threads << " threads";
    }
  }
}

TEST(GzipFile, GunzipAcceptsItAndPrimingKeepsTheRatio) {
  test::TempDir dir("gzip-ratio");
  const std::string data = sampleBytes(3 << 20);
  std::ofstream(dir / "plain", std::ios::binary) << data;
  gzipFile(dir / "plain", dir / "out.gz", 6, 2, "out.nii.gz", 256 << 10);
  ASSERT_EQ(std::system(("gzip -t " + (dir / "out.gz").string()).c_str()), 0) << "gzip -t rejects the file";
  // One zlib stream of the same data at the same level: blocks primed with the previous 32 KiB
  // lose almost nothing to it.
  uLongf bound = compressBound(data.size());
  std::string single(bound, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(&single[0]), &bound, reinterpret_cast<const Bytef*>(data.data()),
                      data.size(), 6), Z_OK);
  const double ratio = double(std::filesystem::file_size(dir / "out.gz")) / double(bound);
  EXPECT_LT(ratio, 1.01) << "parallel " << std::filesystem::file_size(dir / "out.gz") << " bytes, single stream " << bound;
}

TEST(GzipFile, AFullDiskIsAnError) {
  test::TempDir dir("gzip-full");
  std::ofstream(dir / "plain", std::ios::binary) << sampleBytes(1 << 20);
  try {
    gzipFile(dir / "plain", "/dev/full", 1, 2, "out/volume.nii.gz");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "out/volume.nii.gz: cannot write image (disk full?)");
  }
}

}  // namespace medpipe
