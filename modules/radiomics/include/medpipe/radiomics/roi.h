#pragma once
// The input of feature extraction: one region on a regular grid, as plain buffers (no ITK), after
// IBSI's image processing (interpolation, re-segmentation). Index order x fastest, then y, then z;
// 2D features work in the x-y planes (slices along z).
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "medpipe/core/progress.h"

namespace medpipe::radiomics {

struct Grid {
  std::array<int, 3> size{0, 0, 0};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};  // mm
  std::array<double, 3> origin{0.0, 0.0, 0.0};   // mm, centre of voxel (0,0,0); axes taken as orthogonal
  size_t count() const { return size_t(size[0]) * size_t(size[1]) * size_t(size[2]); }
  size_t index(int x, int y, int z) const {
    return size_t(x) + size_t(size[0]) * (size_t(y) + size_t(size[1]) * size_t(z));
  }
  double voxelVolume() const { return spacing[0] * spacing[1] * spacing[2]; }
};

struct RoiImage {
  Grid grid;
  std::vector<double> intensity;            // every voxel of the grid (local intensity looks outside the ROI)
  std::vector<std::uint8_t> morphMask;      // morphological mask: 1 inside the region
  std::vector<std::uint8_t> intensityMask;  // intensity mask: the morphological mask after re-segmentation
};

// Grey levels 1..levels inside the intensity mask, 0 outside.
struct DiscretisedImage {
  Grid grid;
  std::vector<int> level;
  int levels = 0;  // N_g: the highest level (levels that no voxel has still count)
};

enum class Discretisation { BinWidth, BinCount };

struct DiscretisationSettings {
  Discretisation method = Discretisation::BinWidth;
  double binWidth = 1.0;  // fixed bin size (FBS), in intensity units
  int binCount = 32;      // fixed bin number (FBN)
  // FBS bins start here (IBSI: the lower bound of the re-segmentation range); NaN = the ROI minimum.
  double lowerBound = std::numeric_limits<double>::quiet_NaN();
};

// IBSI 2.7: FBS level = floor((x - lower) / w) + 1; FBN level = floor(N_g (x - min) / (max - min)) + 1,
// the maximum in level N_g. Throws medpipe::Error for an empty intensity mask or more than
// kMaxGreyLevels levels (the limit keeps texture matrices bounded in memory), and
// Error("", "", "cancelled") once `progress` is cancelled.
DiscretisedImage discretise(const RoiImage& roi, const DiscretisationSettings& settings,
                            const Progress& progress = Progress());
constexpr int kMaxGreyLevels = 65536;

}  // namespace medpipe::radiomics
