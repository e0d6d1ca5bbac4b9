#pragma once
// Orthogonal slice montages: axial, coronal and sagittal slices through one point, resampled to
// square pixels in mm, windowed, with an optional label map blended in colour. Pure C++ (no
// OpenGL), so it works headless and without VTK. Layout and orientation: montage_geometry.h.
#include <filesystem>
#include <optional>
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/preview/montage_geometry.h"
#include "medpipe/preview/rgb_image.h"

namespace medpipe {

struct MontageOptions {
  std::string window = "ct-soft-tissue";  // a preset of intensity_window.h or "LEVEL,WIDTH"
  // Where the slices cross (LPS mm). Default: the centroid of the non-zero labels when a label
  // map is given, else the centre of the image.
  std::optional<PointLps> slicePoint;
  unsigned panelSize = 256;    // pixels per side of each of the three panels
  double labelOpacity = 0.5;   // 0 shows only the image, 1 only the label colours
  bool orientationLetters = true;
};

struct SliceMontage {
  RgbImage image;            // geometry.width() x geometry.height()
  MontageGeometry geometry;  // where each pixel lies in the patient
};

// `labels` may be null; it may have its own grid (it is sampled in physical space, nearest voxel).
// Throws medpipe::Error for a bad window or an empty label map asked to give the slice point.
SliceMontage renderSliceMontage(const ImageF& image, const LabelImage* labels, const MontageOptions& options);

// renderSliceMontage, written as a PNG atomically.
void writeSliceMontage(const ImageF& image, const LabelImage* labels, const MontageOptions& options,
                       const std::filesystem::path& path);

// The mean physical position of the non-zero voxels; nullopt when there are none.
std::optional<PointLps> labelCentroid(const LabelImage& labels);

}  // namespace medpipe
