#pragma once
// Reading and writing NIfTI / NRRD / MetaImage volumes through ITK, atomically.
#include <filesystem>
#include <string>
#include <vector>

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
// An int16 volume as it is (readSliceStackAsInt16's): the file writeImage gives for its float twin.
void writeImage(const ImageS& image, const std::filesystem::path& path, const ImageWriteOptions& options = {});

// 4D series (fMRI time points, diffusion directions): the rest of medpipe computes on 3D volumes, so
// 4D exists only here, to write (and read back) a series of volumes of one grid as one file, the
// fourth spacing being the time between volumes in seconds (NIfTI pixdim[4]); see docs/mr.md.
using ImageF4 = itk::Image<float, 4>;
// A series of `volumes` volumes on the grid of `first` (allocated, not filled), then volume t set;
// setVolume throws medpipe::Error when the volume is not on that grid.
ImageF4::Pointer allocateSeries(const ImageF& first, size_t volumes, double timeStep);
void setVolume(ImageF4& series, size_t t, const ImageF& volume);
void writeImage(const ImageF4& image, const std::filesystem::path& path, const ImageWriteOptions& options = {});
ImageF4::Pointer readImage4D(const std::filesystem::path& path);
void writeLabelImage(const LabelImage& labels, const std::filesystem::path& path, const ImageWriteOptions& options = {});

// Reads any format ITK knows (NIfTI scaling applied); throws medpipe::Error naming the file.
ImageF::Pointer readImage(const std::filesystem::path& path);
LabelImage::Pointer readLabelImage(const std::filesystem::path& path);

}  // namespace medpipe
