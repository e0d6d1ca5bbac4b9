#include <gtest/gtest.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/io/gzip_file.h"
#include "medpipe/io/image_file.h"
#include "oblique_image.h"
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

TEST(GzipFile, BytesInMemoryGiveTheFileOfThoseBytes) {
  test::TempDir dir("gzip-bytes");
  const size_t block = 40000;
  for (size_t size : {size_t{0}, size_t{100}, 3 * block + 5}) {
    const std::string data = sampleBytes(size);
    for (size_t headSize : {size_t{0}, size_t{352}, block + 3}) {
      const std::string head = sampleBytes(headSize + 1).substr(1);
      std::ofstream(dir / "plain", std::ios::binary) << head << data;
      gzipFile(dir / "plain", dir / "file.gz", 1, 2, "out.nii.gz", block);
      gzipBytes(head, data.data(), data.size(), dir / "bytes.gz", 1, 2, "out.nii.gz", block);
      EXPECT_EQ(readAll(dir / "bytes.gz"), readAll(dir / "file.gz")) << headSize << " + " << size << " bytes";
    }
  }
}

// .nii.gz is written from the voxels in memory with ITK's header of a two-slice image: it must
// gunzip to ITK's own .nii of the whole image, byte for byte, whatever the pixel type and slice count.
TEST(GzipFile, NiftiGzUnpacksToItksNifti) {
  test::TempDir dir("gzip-nifti");
  ImageWriteOptions write;
  write.shrinkToInt16 = false;
  for (unsigned slices : {1u, 2u, 3u, 40u}) {
    writeImage(*test::obliqueImage<ImageF>(7, 5, slices, -100), dir / "f.nii.gz", write);
    writeImage(*test::obliqueImage<ImageF>(7, 5, slices, -100), dir / "f.nii", write);
    EXPECT_EQ(gunzip(dir / "f.nii.gz"), readAll(dir / "f.nii")) << "float, " << slices << " slices";
    writeImage(*test::obliqueImage<ImageS>(7, 5, slices, -100), dir / "s.nii.gz", write);
    writeImage(*test::obliqueImage<ImageS>(7, 5, slices, -100), dir / "s.nii", write);
    EXPECT_EQ(gunzip(dir / "s.nii.gz"), readAll(dir / "s.nii")) << "int16, " << slices << " slices";
    writeLabelImage(*test::obliqueImage<LabelImage>(7, 5, slices, -100), dir / "l.nii.gz", write);
    writeLabelImage(*test::obliqueImage<LabelImage>(7, 5, slices, -100), dir / "l.nii", write);
    EXPECT_EQ(gunzip(dir / "l.nii.gz"), readAll(dir / "l.nii")) << "labels, " << slices << " slices";
  }
  EXPECT_EQ(readImage(dir / "f.nii.gz")->GetLargestPossibleRegion().GetSize()[2], 40u);
  // Float in whole numbers is written as int16, converted as it is compressed; one fraction keeps float.
  for (unsigned slices : {1u, 2u, 40u}) {
    for (float last : {7.0f, 7.5f}) {
      auto image = test::obliqueImage<ImageF>(7, 5, slices, -100);
      image->GetBufferPointer()[image->GetBufferedRegion().GetNumberOfPixels() - 1] = last;
      writeImage(*image, dir / "w.nii.gz", ImageWriteOptions{});
      writeImage(*image, dir / "w.nii", ImageWriteOptions{});
      EXPECT_EQ(gunzip(dir / "w.nii.gz"), readAll(dir / "w.nii")) << slices << " slices, last voxel " << last;
      EXPECT_EQ(std::filesystem::file_size(dir / "w.nii"), 352 + 7 * 5 * slices * (last == 7.0f ? 2 : 4));
    }
  }
}

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

TEST(GzipFile, GunzipAcceptsItAndTheRatioIsOneStreams) {
  test::TempDir dir("gzip-ratio");
  const std::string data = sampleBytes(16 << 20);
  std::ofstream(dir / "plain", std::ios::binary) << data;
  gzipFile(dir / "plain", dir / "out.gz", 6, 2, "out.nii.gz");  // four members of the default 4 MiB
  ASSERT_EQ(std::system(("gzip -t " + (dir / "out.gz").string()).c_str()), 0) << "gzip -t rejects the file";
  // One stream of the same data at the same level: blocks of 4 MiB, each a member of its own,
  // lose almost nothing to it.
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(6);
  std::string single(libdeflate_gzip_compress_bound(compressor, data.size()), '\0');
  single.resize(libdeflate_gzip_compress(compressor, data.data(), data.size(), &single[0], single.size()));
  libdeflate_free_compressor(compressor);
  ASSERT_GT(single.size(), 0u);
  const double ratio = double(std::filesystem::file_size(dir / "out.gz")) / double(single.size());
  EXPECT_LT(ratio, 1.001) << "parallel " << std::filesystem::file_size(dir / "out.gz") << " bytes, single stream " << single.size();
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
