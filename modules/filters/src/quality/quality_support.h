#pragma once
// What the CT and MR quality metrics share: summary statistics with numpy's
// conventions (so the tests can check them against numpy), and the body mask
// and tissue classes the metrics use when no labels are given. Definitions:
// docs/quality-metrics.md. Private to the filters module.
#include <cstdint>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe::quality {

// Flat loops over voxels check for a cancel once per this many (a few ms).
constexpr size_t kVoxelsPerCancelCheck = size_t(1) << 20;

// A voxel grid as flat arrays, x fastest (ITK's buffer order).
struct Grid {
  size_t nx = 0, ny = 0, nz = 0;
  double sx = 1, sy = 1, sz = 1;  // spacing, mm
  size_t voxels() const { return nx * ny * nz; }
  size_t index(size_t x, size_t y, size_t z) const { return x + nx * (y + ny * z); }
};
Grid gridOf(const itk::ImageBase<Dimension>& image);

// numpy.percentile(values, p) with its default linear interpolation; NaN for no
// values. Sorts a copy.
double percentile(std::vector<double> values, double p);
double median(const std::vector<double>& values);
double mean(const std::vector<double>& values);
// Standard deviation with `ddof` as numpy.std(values, ddof=ddof); NaN when n <=
// ddof.
double standardDeviation(const std::vector<double>& values, int ddof);
// statsmodels.robust.scale.mad: median(|x - median(x)|) / 0.6744897501960817
// (the normal's MAD).
double normalizedMad(const std::vector<double>& values);

// The Otsu threshold of `values` over a 256-bin histogram between their minimum
// and maximum: the upper edge of the bin that maximises the between-class
// variance (voxels > threshold are bright).
double otsuThreshold(const std::vector<double>& values);

// Body (or head) mask: voxels at or above `threshold`, plus everything in a
// slice that the dark region touching that slice's border cannot reach (lungs,
// bowel gas, ventricles are inside); of that, the largest 6-connected piece in
// 3D. 1 = body, 0 = outside.
std::vector<std::uint8_t> bodyMask(const float* image, const Grid& grid, double threshold, const Progress& progress);

// One-dimensional k-means (Lloyd) with `k` >= 2 classes, centres started evenly
// spaced between the 1st and 99th percentile of `values`; returns each value's
// class 0..k-1 in increasing order of centre.
std::vector<std::uint8_t> kMeansClasses(const std::vector<double>& values, unsigned k, const Progress& progress);

}  // namespace medpipe::quality
