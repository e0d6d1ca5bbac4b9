#pragma once
// .nii.gz read with libdeflate (about twice zlib's speed) where the file is a plain case: ITK's
// reader gives the geometry (UpdateOutputInformation: the header only), the voxels are inflated and
// converted here as ITK's reader converts them (static_cast). Private to the io module.
#include <filesystem>

#include "medpipe/io/image_file.h"

namespace medpipe {

// The image of `file` (ITK reads its header from `itkPath`, the same file: see image_file.cxx), or
// null where the file is not a plain case (not NIfTI-1 single file, not 3D scalar, byte-swapped,
// scaled by scl_slope / scl_inter, a data type other than the 8 integer and float ones, or any
// other problem): then ITK reads it, with its own messages. Throws medpipe::Error naming the file
// where its compressed data ends or is damaged before the last voxel (ITK's reader says nothing).
ImageF::Pointer readNiftiGzWithLibdeflate(const std::filesystem::path& file, const std::filesystem::path& itkPath);

}  // namespace medpipe
