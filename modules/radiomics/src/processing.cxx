// IBSI image processing on ITK images (the resampling itself: cancellable_resampling.cxx).
#include "medpipe/radiomics/processing.h"

#include <algorithm>
#include <cmath>

#include "cancellable_resampling.h"
#include "medpipe/core/error.h"

namespace medpipe::radiomics {
namespace {

using Region = itk::ImageRegion<3>;

// Passes over the region's voxels check for a cancel once per this many (a few ms).
constexpr size_t kVoxelsPerCancelCheck = size_t(1) << 20;

// Mean of the buffer's values inside a mask.
double maskedMean(const std::vector<double>& values, const std::vector<std::uint8_t>& mask, size_t* count,
                  const Progress& progress) {
  double sum = 0;
  size_t n = 0;
  const double* v = values.data();
  const std::uint8_t* inside = mask.data();
  forEachBlock(values.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (inside[i]) sum += v[i], ++n;
  });
  if (count) *count = n;
  return n ? sum / double(n) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

ResampledGrid resampledGrid(const std::array<size_t, 3>& size, const std::array<double, 3>& spacing,
                            const std::array<double, 3>& newSpacing) {
  ResampledGrid g;
  for (size_t k = 0; k < 3; ++k) {
    g.spacing[k] = newSpacing[k] > 0 ? newSpacing[k] : spacing[k];
    g.size[k] = size_t(std::ceil(double(size[k]) * spacing[k] / g.spacing[k] - 1e-9));
    g.originShift[k] = (spacing[k] * double(size[k] - 1) - g.spacing[k] * double(g.size[k] - 1)) / 2;
  }
  return g;
}

RoiImage prepareRegion(const ImageF& image, const LabelImage& labels, int label, const ProcessingSettings& settings,
                       Diagnostics* diagnostics, const Progress& progress) {
  const Region full = image.GetLargestPossibleRegion();
  if (labels.GetLargestPossibleRegion().GetSize() != full.GetSize())
    throw Error("", "labels",
                "the label map's grid (" + std::to_string(labels.GetLargestPossibleRegion().GetSize()[0]) + "x" +
                    std::to_string(labels.GetLargestPossibleRegion().GetSize()[1]) + "x" +
                    std::to_string(labels.GetLargestPossibleRegion().GetSize()[2]) + ") differs from the image's");
  const std::uint8_t value = std::uint8_t(label);
  // The label's bounding box in the source grid.
  itk::Index<3> lo{{itk::IndexValueType(full.GetSize()[0]), itk::IndexValueType(full.GetSize()[1]),
                    itk::IndexValueType(full.GetSize()[2])}},
      hi{{-1, -1, -1}};
  const auto size = full.GetSize();
  const std::uint8_t* lab = labels.GetBufferPointer();
  const float* img = image.GetBufferPointer();
  size_t initial = 0;
  double initialSum = 0;
  for (size_t z = 0, i = 0; z < size[2]; ++z) {
    progress.throwIfCancelled();
    for (size_t y = 0; y < size[1]; ++y)
      for (size_t x = 0; x < size[0]; ++x, ++i)
        if (lab[i] == value) {
          const itk::IndexValueType p[3] = {itk::IndexValueType(x), itk::IndexValueType(y), itk::IndexValueType(z)};
          for (size_t k = 0; k < 3; ++k) lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
          ++initial, initialSum += img[i];
        }
  }
  if (initial == 0) throw Error("", "label", "label " + std::to_string(label) + " has no voxel");
  const auto spacing = image.GetSpacing();
  const double sphere = std::cbrt(3.0 / (4.0 * M_PI)) * 10.0;  // local intensity radius, mm
  const bool resample = settings.spacing[0] > 0 || settings.spacing[1] > 0 || settings.spacing[2] > 0;
  Diagnostics diag;
  for (size_t k = 0; k < 3; ++k) diag.emplace_back(std::string("diag_image_size_") + "xyz"[k], double(size[k]));
  for (size_t k = 0; k < 3; ++k) diag.emplace_back(std::string("diag_image_spacing_") + "xyz"[k], spacing[k]);
  diag.emplace_back("diag_n_voxel_initial", double(initial));
  diag.emplace_back("diag_mean_int_initial", initialSum / double(initial));

  RoiImage roi;
  std::vector<double> maskValues;  // interpolated mask, 0..1
  if (!resample) {
    // Crop to the box plus the sphere; no interpolation.
    itk::Index<3> start;
    itk::Size<3> cropped;
    for (size_t k = 0; k < 3; ++k) {
      const auto margin = itk::IndexValueType(std::ceil(sphere / spacing[k]));
      start[k] = std::max<itk::IndexValueType>(0, lo[k] - margin);
      const auto end = std::min<itk::IndexValueType>(itk::IndexValueType(size[k]) - 1, hi[k] + margin);
      cropped[k] = size_t(end - start[k] + 1);
      roi.grid.size[k] = int(cropped[k]);
      roi.grid.spacing[k] = spacing[k];
    }
    const size_t n = roi.grid.count();
    roi.intensity.resize(n);
    maskValues.resize(n);
    for (int z = 0; z < roi.grid.size[2]; ++z) {
      progress.throwIfCancelled();
      for (int y = 0; y < roi.grid.size[1]; ++y) {
        const size_t from = size_t(start[0]) + size[0] * (size_t(start[1] + y) + size[1] * size_t(start[2] + z));
        const size_t to = roi.grid.index(0, y, z);
        for (int x = 0; x < roi.grid.size[0]; ++x) {
          roi.intensity[to + size_t(x)] = img[from + size_t(x)];
          maskValues[to + size_t(x)] = lab[from + size_t(x)] == value ? 1.0 : 0.0;
        }
      }
    }
  } else {
    const ResampledGrid target =
        resampledGrid({size[0], size[1], size[2]}, {spacing[0], spacing[1], spacing[2]}, settings.spacing);
    for (size_t k = 0; k < 3; ++k)
      diag.emplace_back(std::string("diag_interp_size_") + "xyz"[k], double(target.size[k]));
    for (size_t k = 0; k < 3; ++k) diag.emplace_back(std::string("diag_interp_spacing_") + "xyz"[k], target.spacing[k]);
    // Output sub-grid: the target voxels within the label's box plus the sphere (plus one voxel).
    itk::Index<3> start;
    itk::Size<3> out;
    for (size_t k = 0; k < 3; ++k) {
      const double from = double(lo[k]) * spacing[k] - sphere - target.spacing[k] - target.originShift[k];
      const double to = double(hi[k]) * spacing[k] + sphere + target.spacing[k] - target.originShift[k];
      const auto first = std::max<long>(0, long(std::floor(from / target.spacing[k])));
      const auto last = std::min<long>(long(target.size[k]) - 1, long(std::ceil(to / target.spacing[k])));
      start[k] = first;
      out[k] = size_t(last - first + 1);
      roi.grid.size[k] = int(out[k]);
      roi.grid.spacing[k] = target.spacing[k];
    }
    // Origin of the sub-grid: old origin + direction * (shift + start * new spacing).
    TargetGrid grid;
    grid.origin = image.GetOrigin();
    for (size_t r = 0; r < 3; ++r)
      for (size_t k = 0; k < 3; ++k)
        grid.origin[r] += image.GetDirection()[r][k] * (target.originShift[k] + double(start[k]) * target.spacing[k]);
    for (size_t k = 0; k < 3; ++k) grid.spacing[k] = target.spacing[k];
    grid.size = out;
    const ImageF::Pointer resampled = resampleOnto(image, grid, settings.interpolation, progress);
    // The mask as 0/1 floats, interpolated the same way (partial volume).
    auto mask = ImageF::New();
    mask->CopyInformation(&image);
    mask->SetRegions(full);
    mask->Allocate();
    float* m = mask->GetBufferPointer();
    forEachBlock(full.GetNumberOfPixels(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) m[i] = lab[i] == value ? 1.0f : 0.0f;
    });
    const ImageF::Pointer resampledMask = resampleOnto(
        *mask, grid,
        settings.maskInterpolation == Interpolation::Nearest ? Interpolation::Nearest : Interpolation::Linear,
        progress);
    const size_t n = roi.grid.count();
    const float* ri = resampled->GetBufferPointer();
    const float* rm = resampledMask->GetBufferPointer();
    roi.intensity.assign(ri, ri + n);
    maskValues.assign(rm, rm + n);
  }
  // The passes below go through raw pointers: GCC reloads a vector's data pointer in every
  // iteration of a block otherwise.
  const size_t n = roi.grid.count();
  double* intensity = roi.intensity.data();
  if (settings.roundIntensities)
    forEachBlock(n, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) intensity[i] = std::round(intensity[i]);
    });
  roi.morphMask.resize(n);
  std::uint8_t* morph = roi.morphMask.data();
  const double* maskValue = maskValues.data();
  const double threshold = settings.maskThreshold - 1e-9;
  forEachBlock(n, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) morph[i] = maskValue[i] >= threshold;
  });
  size_t count = 0;
  const double meanInterp = maskedMean(roi.intensity, roi.morphMask, &count, progress);
  diag.emplace_back("diag_n_voxel_interp", double(count));
  diag.emplace_back("diag_mean_int_interp", meanInterp);
  if (count == 0) throw Error("", "mask-threshold", "no voxel of the interpolated mask reaches the threshold");

  // Re-segmentation: intensity mask = morphological mask within the range and within k sd.
  roi.intensityMask = roi.morphMask;
  std::uint8_t* inside = roi.intensityMask.data();
  const double rangeMin = settings.rangeMin, rangeMax = settings.rangeMax;
  forEachBlock(n, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (intensity[i] < rangeMin || intensity[i] > rangeMax) inside[i] = 0;
  });
  maskedMean(roi.intensity, roi.intensityMask, &count, progress);
  diag.emplace_back("diag_n_voxel_range", double(count));
  if (count == 0) throw Error("", "range-min", "no voxel of the region lies in the re-segmentation range");
  if (settings.outlierSigma > 0) {
    double variance = 0;
    size_t k = 0;
    const double mean = maskedMean(roi.intensity, roi.morphMask, &k, progress);
    forEachBlock(n, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (morph[i]) variance += (intensity[i] - mean) * (intensity[i] - mean);
    });
    const double sd = std::sqrt(variance / double(k)), limit = settings.outlierSigma * sd;
    forEachBlock(n, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (std::abs(intensity[i] - mean) > limit) inside[i] = 0;
    });
  }
  double lowest = std::numeric_limits<double>::infinity(), highest = -lowest;
  forEachBlock(n, kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      if (inside[i]) lowest = std::min(lowest, intensity[i]), highest = std::max(highest, intensity[i]);
  });
  const double meanFinal = maskedMean(roi.intensity, roi.intensityMask, &count, progress);
  diag.emplace_back("diag_n_voxel_reseg", double(count));
  diag.emplace_back("diag_mean_int_reseg", meanFinal);
  diag.emplace_back("diag_min_int_reseg", lowest);
  diag.emplace_back("diag_max_int_reseg", highest);
  if (count == 0) throw Error("", "outlier-sigma", "no voxel of the region is left after outlier filtering");
  if (diagnostics) *diagnostics = std::move(diag);
  return roi;
}

}  // namespace medpipe::radiomics
