#include "stored_pixel_comparer.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include "medpipe/io/dicom_stream_check.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kSampleBytes = 4096;
constexpr uint64_t kFnvOffset = 1469598103934665603ull;

// FNV-1a 64 of bytes [offset, offset + n) of `in`, after `seed`; nullopt when they cannot be read.
std::optional<uint64_t> hashRange(std::ifstream& in, uint64_t offset, uint64_t n, uint64_t seed) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  std::vector<char> buffer(static_cast<size_t>(std::min<uint64_t>(n, 1 << 20)));
  uint64_t h = seed;
  while (n > 0) {
    const auto chunk = static_cast<std::streamsize>(std::min<uint64_t>(n, buffer.size()));
    if (!in.read(buffer.data(), chunk)) return std::nullopt;
    for (std::streamsize i = 0; i < chunk; ++i) h = (h ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ull;
    n -= static_cast<uint64_t>(chunk);
  }
  return h;
}

bool sameFormatAndRescale(const DicomHeader& a, const DicomHeader& b) {
  return a.rows == b.rows && a.columns == b.columns && a.numberOfFrames == b.numberOfFrames &&
         a.bitsAllocated == b.bitsAllocated && a.bitsStored == b.bitsStored &&
         a.pixelRepresentation == b.pixelRepresentation && a.samplesPerPixel == b.samplesPerPixel &&
         a.photometricInterpretation == b.photometricInterpretation && a.transferSyntaxUid == b.transferSyntaxUid &&
         a.rescaleSlope == b.rescaleSlope && a.rescaleIntercept == b.rescaleIntercept;
}

}  // namespace

StoredPixelComparer::Digest& StoredPixelComparer::digest(const DicomHeader& h) {
  const auto known = digests_.find(h.path);
  if (known != digests_.end()) return known->second;
  Digest& d = digests_[h.path];
  if (!h.pixelDataProblem.empty() || h.frameIndex >= 0) return d;
  const DicomStreamLayout layout = inspectDicomStream(h.path);
  // A deflated data set's offsets are in its inflated copy, not in the file: not compared.
  if (layout.problem || !layout.hasPixelData || layout.deflated) return d;
  std::error_code ec;
  const uint64_t fileSize = fs::file_size(h.path, ec);
  d.offset = layout.dataSetOffset + layout.pixelDataOffset;
  if (ec || d.offset >= fileSize) return d;
  d.size = fileSize - d.offset;
  std::ifstream in(h.path, std::ios::binary);
  const uint64_t sampleStart = d.size > kSampleBytes ? (d.size - kSampleBytes) / 2 : 0;
  const auto sample = hashRange(in, d.offset + sampleStart, std::min(d.size, kSampleBytes), kFnvOffset);
  d.readable = sample.has_value();
  d.sample = sample.value_or(0);
  return d;
}

uint64_t StoredPixelComparer::fullDigest(const DicomHeader& h, Digest& d) {
  if (!d.full) {
    std::ifstream in(h.path, std::ios::binary);
    const auto full = hashRange(in, d.offset, d.size, kFnvOffset);
    if (!full) d.readable = false;
    d.full = full.value_or(0);
  }
  return *d.full;
}

bool StoredPixelComparer::samePixels(const DicomHeader& a, const DicomHeader& b) {
  if (!sameFormatAndRescale(a, b)) return false;
  Digest& x = digest(a);
  Digest& y = digest(b);
  if (!x.readable || !y.readable || x.size != y.size || x.sample != y.sample) return false;
  const bool same = fullDigest(a, x) == fullDigest(b, y);
  return same && x.readable && y.readable;
}

}  // namespace medpipe
