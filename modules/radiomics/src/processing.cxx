// IBSI image processing on ITK images; the only radiomics source that includes ITK filters.
#include "medpipe/radiomics/processing.h"

#include <itkBSplineInterpolateImageFunction.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <cmath>

#include "medpipe/core/error.h"

namespace medpipe::radiomics {
namespace {

using Region = itk::ImageRegion<3>;

// Mean of the buffer's values inside a mask.
double maskedMean(const std::vector<double>& values, const std::vector<std::uint8_t>& mask, size_t* count) {
  double sum = 0;
  size_t n = 0;
  for (size_t i = 0; i < values.size(); ++i)
    if (mask[i]) sum += values[i], ++n;
  if (count) *count = n;
  return n ? sum / double(n) : std::numeric_limits<double>::quiet_NaN();
}

template <typename Filter>
void setInterpolator(Filter& filter, Interpolation interpolation) {
  using Image = typename Filter::InputImageType;
  if (interpolation == Interpolation::Nearest)
    filter.SetInterpolator(itk::NearestNeighborInterpolateImageFunction<Image, double>::New());
  else if (interpolation == Interpolation::Linear)
    filter.SetInterpolator(itk::LinearInterpolateImageFunction<Image, double>::New());
  else
    filter.SetInterpolator(itk::BSplineInterpolateImageFunction<Image, double, double>::New());  // cubic B-spline
  // The centred grid reaches up to half a voxel past the outer voxel centres: extend the edge.
  filter.SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<Image, double>::New());
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
                       Diagnostics* diagnostics) {
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
  for (size_t z = 0, i = 0; z < size[2]; ++z)
    for (size_t y = 0; y < size[1]; ++y)
      for (size_t x = 0; x < size[0]; ++x, ++i)
        if (lab[i] == value) {
          const itk::IndexValueType p[3] = {itk::IndexValueType(x), itk::IndexValueType(y), itk::IndexValueType(z)};
          for (size_t k = 0; k < 3; ++k) lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
          ++initial, initialSum += img[i];
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
    for (int z = 0; z < roi.grid.size[2]; ++z)
      for (int y = 0; y < roi.grid.size[1]; ++y) {
        const size_t from = size_t(start[0]) + size[0] * (size_t(start[1] + y) + size[1] * size_t(start[2] + z));
        const size_t to = roi.grid.index(0, y, z);
        for (int x = 0; x < roi.grid.size[0]; ++x) {
          roi.intensity[to + size_t(x)] = img[from + size_t(x)];
          maskValues[to + size_t(x)] = lab[from + size_t(x)] == value ? 1.0 : 0.0;
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
    ImageF::PointType origin = image.GetOrigin();
    for (size_t r = 0; r < 3; ++r)
      for (size_t k = 0; k < 3; ++k)
        origin[r] += image.GetDirection()[r][k] * (target.originShift[k] + double(start[k]) * target.spacing[k]);
    ImageF::SpacingType newSpacing;
    for (size_t k = 0; k < 3; ++k) newSpacing[k] = target.spacing[k];
    auto resampler = itk::ResampleImageFilter<ImageF, ImageF, double, double>::New();
    resampler->SetInput(&image);
    resampler->SetOutputOrigin(origin);
    resampler->SetOutputSpacing(newSpacing);
    resampler->SetOutputDirection(image.GetDirection());
    resampler->SetSize(out);
    setInterpolator(*resampler, settings.interpolation);
    resampler->Update();
    // The mask as 0/1 floats, interpolated the same way (partial volume).
    auto mask = ImageF::New();
    mask->CopyInformation(&image);
    mask->SetRegions(full);
    mask->Allocate();
    float* m = mask->GetBufferPointer();
    for (size_t i = 0; i < full.GetNumberOfPixels(); ++i) m[i] = lab[i] == value ? 1.0f : 0.0f;
    auto maskResampler = itk::ResampleImageFilter<ImageF, ImageF, double, double>::New();
    maskResampler->SetInput(mask);
    maskResampler->SetOutputOrigin(origin);
    maskResampler->SetOutputSpacing(newSpacing);
    maskResampler->SetOutputDirection(image.GetDirection());
    maskResampler->SetSize(out);
    setInterpolator(*maskResampler, settings.maskInterpolation == Interpolation::Nearest ? Interpolation::Nearest
                                                                                         : Interpolation::Linear);
    maskResampler->Update();
    const size_t n = roi.grid.count();
    const float* ri = resampler->GetOutput()->GetBufferPointer();
    const float* rm = maskResampler->GetOutput()->GetBufferPointer();
    roi.intensity.assign(ri, ri + n);
    maskValues.assign(rm, rm + n);
  }
  if (settings.roundIntensities)
    for (double& v : roi.intensity) v = std::round(v);
  const size_t n = roi.grid.count();
  roi.morphMask.resize(n);
  for (size_t i = 0; i < n; ++i) roi.morphMask[i] = maskValues[i] >= settings.maskThreshold - 1e-9;
  size_t count = 0;
  const double meanInterp = maskedMean(roi.intensity, roi.morphMask, &count);
  diag.emplace_back("diag_n_voxel_interp", double(count));
  diag.emplace_back("diag_mean_int_interp", meanInterp);
  if (count == 0) throw Error("", "mask-threshold", "no voxel of the interpolated mask reaches the threshold");

  // Re-segmentation: intensity mask = morphological mask within the range and within k sd.
  roi.intensityMask = roi.morphMask;
  for (size_t i = 0; i < n; ++i)
    if (roi.intensity[i] < settings.rangeMin || roi.intensity[i] > settings.rangeMax) roi.intensityMask[i] = 0;
  maskedMean(roi.intensity, roi.intensityMask, &count);
  diag.emplace_back("diag_n_voxel_range", double(count));
  if (count == 0) throw Error("", "range-min", "no voxel of the region lies in the re-segmentation range");
  if (settings.outlierSigma > 0) {
    double variance = 0;
    size_t k = 0;
    const double mean = maskedMean(roi.intensity, roi.morphMask, &k);
    for (size_t i = 0; i < n; ++i)
      if (roi.morphMask[i]) variance += (roi.intensity[i] - mean) * (roi.intensity[i] - mean);
    const double sd = std::sqrt(variance / double(k));
    for (size_t i = 0; i < n; ++i)
      if (std::abs(roi.intensity[i] - mean) > settings.outlierSigma * sd) roi.intensityMask[i] = 0;
  }
  double lowest = std::numeric_limits<double>::infinity(), highest = -lowest;
  for (size_t i = 0; i < n; ++i)
    if (roi.intensityMask[i])
      lowest = std::min(lowest, roi.intensity[i]), highest = std::max(highest, roi.intensity[i]);
  const double meanFinal = maskedMean(roi.intensity, roi.intensityMask, &count);
  diag.emplace_back("diag_n_voxel_reseg", double(count));
  diag.emplace_back("diag_mean_int_reseg", meanFinal);
  diag.emplace_back("diag_min_int_reseg", lowest);
  diag.emplace_back("diag_max_int_reseg", highest);
  if (count == 0) throw Error("", "outlier-sigma", "no voxel of the region is left after outlier filtering");
  if (diagnostics) *diagnostics = std::move(diag);
  return roi;
}

}  // namespace medpipe::radiomics
