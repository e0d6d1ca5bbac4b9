#pragma once
// Reading and writing NIfTI / NRRD / MetaImage volumes through ITK, atomically.
#include <filesystem>
#include <string>

#include "medpipe/core/image.h"

namespace medpipe {

enum class ImageFormat { NiftiGz, Nifti, Nrrd, Mha };

ImageFormat parseImageFormat(const std::string& text);  // "nii.gz", "nii", "nrrd", "mha"
std::string fileExtension(ImageFormat format);          // ".nii.gz", ...

struct ImageWriteOptions {
  // gzip level for .nii.gz/.nrrd/.mha (1 fastest .. 9 smallest); writing big volumes is
  // dominated by compression, so medpipe defaults to the fastest level.
  int compressionLevel = 1;
  // Store as int16 when every voxel is a whole number in int16's range (CT in HU), halving
  // the file as dcm2niix does; voxel values are unchanged.
  bool shrinkToInt16 = true;
};

void writeImage(const ImageF& image, const std::filesystem::path& path, const ImageWriteOptions& options = {});
void writeLabelImage(const LabelImage& labels, const std::filesystem::path& path, const ImageWriteOptions& options = {});

// Reads any format ITK knows (NIfTI scaling applied); throws medpipe::Error naming the file.
ImageF::Pointer readImage(const std::filesystem::path& path);
LabelImage::Pointer readLabelImage(const std::filesystem::path& path);

}  // namespace medpipe
