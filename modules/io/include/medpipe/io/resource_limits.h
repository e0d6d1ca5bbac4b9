#pragma once
// Upper bounds on what a DICOM header can make medpipe allocate. A header is only a claim: these
// are checked against the bytes actually in the file, before any buffer of the claimed size exists.
#include <cstdint>

namespace medpipe {

// The largest native PixelData value a DICOM file can hold (32-bit value length, even). A compressed
// file whose header describes more decoded pixels than that is refused too.
constexpr uint64_t kMaxPixelDataBytes = 0xFFFFFFFEull;

// Compressed pixel data may describe at most this many times its own size in decoded pixels (a
// constant image compresses very well), but always at least kCompressedAllowanceBytes.
constexpr double kMaxCompressionRatio = 1000;
constexpr uint64_t kCompressedAllowanceBytes = uint64_t{64} << 20;

// A deflated data set is inflated in memory to be checked: at most this many bytes.
constexpr uint64_t kMaxInflatedDataSetBytes = uint64_t{1} << 30;

// Voxels of one volume as medpipe reads or resamples it (float: 8 GiB), e.g. 8192 slices of 512x512.
constexpr uint64_t kMaxVolumeVoxels = uint64_t{1} << 31;

}  // namespace medpipe
