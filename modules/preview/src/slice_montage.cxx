#include "medpipe/preview/slice_montage.h"

#include <itkLinearInterpolateImageFunction.h>

#include <algorithm>
#include <cmath>

#include "medpipe/core/error.h"
#include "medpipe/preview/intensity_window.h"
#include "medpipe/preview/label_colors.h"
#include "medpipe/preview/png_file.h"
#include "orientation_letters.h"

namespace medpipe {
namespace {

// Letters at the left, right, top and bottom edge of each panel (see montage_geometry.h).
constexpr const char* kEdgeLetters[] = {"RLAP", "RLSI", "APSI"};

std::uint8_t toGrey(double value, const IntensityWindow& window) {
  const double t = (value - window.lower()) / window.width;
  return static_cast<std::uint8_t>(std::lround(255 * std::clamp(t, 0.0, 1.0)));
}

std::uint8_t blend(std::uint8_t base, std::uint8_t over, double alpha) {
  return static_cast<std::uint8_t>(std::lround((1 - alpha) * base + alpha * over));
}

class PanelSampler {
 public:
  PanelSampler(const ImageF& image, const LabelImage* labels) : image_(image), labels_(labels) {
    interpolator_->SetInputImage(&image);
  }

  // Linear interpolation inside the volume; nullopt outside it.
  std::optional<double> intensity(const PointLps& p) const {
    itk::ContinuousIndex<double, 3> index;
    image_.TransformPhysicalPointToContinuousIndex(ImageF::PointType(p.data()), index);
    if (!interpolator_->IsInsideBuffer(index)) return std::nullopt;
    return interpolator_->EvaluateAtContinuousIndex(index);
  }

  std::uint8_t label(const PointLps& p) const {
    if (!labels_) return 0;
    LabelImage::IndexType index;
    if (!labels_->TransformPhysicalPointToIndex(LabelImage::PointType(p.data()), index)) return 0;
    return labels_->GetPixel(index);
  }

 private:
  const ImageF& image_;
  const LabelImage* labels_;
  itk::LinearInterpolateImageFunction<ImageF, double>::Pointer interpolator_ =
      itk::LinearInterpolateImageFunction<ImageF, double>::New();
};

void drawLetters(RgbImage& picture, const MontageGeometry& geometry) {
  const int size = static_cast<int>(geometry.panelSize);
  const int scale = std::max(1, size / 128);
  const int margin = 6 * scale;
  for (SlicePlane plane : montagePlanes(geometry)) {
    const int left = static_cast<int>(plane) * size;
    const char* letters = kEdgeLetters[static_cast<int>(plane)];
    drawOrientationLetter(picture, letters[0], left + margin, size / 2, scale);
    drawOrientationLetter(picture, letters[1], left + size - margin, size / 2, scale);
    drawOrientationLetter(picture, letters[2], left + size / 2, margin, scale);
    drawOrientationLetter(picture, letters[3], left + size / 2, size - margin, scale);
  }
}

}  // namespace

std::optional<PointLps> labelCentroid(const LabelImage& labels) {
  const auto region = labels.GetLargestPossibleRegion();
  const auto size = region.GetSize();
  const std::uint8_t* p = labels.GetBufferPointer();
  // Sum indices first, then map once: the index-to-physical map is affine.
  double sum[3] = {0, 0, 0};
  double count = 0;
  size_t i = 0;
  for (size_t k = 0; k < size[2]; ++k)
    for (size_t j = 0; j < size[1]; ++j)
      for (size_t c = 0; c < size[0]; ++c, ++i) {
        if (!p[i]) continue;
        sum[0] += static_cast<double>(c), sum[1] += static_cast<double>(j), sum[2] += static_cast<double>(k);
        count += 1;
      }
  if (count == 0) return std::nullopt;
  itk::ContinuousIndex<double, 3> mean;
  for (unsigned d = 0; d < 3; ++d) mean[d] = sum[d] / count + static_cast<double>(region.GetIndex()[d]);
  LabelImage::PointType point;
  labels.TransformContinuousIndexToPhysicalPoint(mean, point);
  return PointLps{point[0], point[1], point[2]};
}

SliceMontage renderSliceMontage(const ImageF& image, const LabelImage* labels, const MontageOptions& options) {
  if (options.panelSize < 16) throw Error("", "size", "a montage panel needs at least 16 pixels");
  const IntensityWindow window = intensityWindowFor(options.window, image);
  PointLps slicePoint = imageCentre(image);
  if (options.slicePoint) {
    slicePoint = *options.slicePoint;
  } else if (labels && !isOneSliceImage(image)) {  // one slice: one panel, no crossing point to choose
    const auto centroid = labelCentroid(*labels);
    if (!centroid) throw Error("", "labels", "the label map has no non-zero voxel to centre the slices on");
    slicePoint = *centroid;
  }
  SliceMontage montage{RgbImage(), montageGeometryFor(image, slicePoint, options.panelSize)};
  const MontageGeometry& g = montage.geometry;
  montage.image = RgbImage(g.width(), g.height());
  const PanelSampler sampler(image, labels);
  const double opacity = std::clamp(options.labelOpacity, 0.0, 1.0);
  for (SlicePlane plane : montagePlanes(g)) {
    const unsigned left = plane == SlicePlane::Image ? 0 : static_cast<unsigned>(plane) * g.panelSize;
    for (unsigned row = 0; row < g.panelSize; ++row)
      for (unsigned col = 0; col < g.panelSize; ++col) {
        const PointLps p = g.physicalPoint(plane, col + 0.5, row + 0.5);
        const auto value = sampler.intensity(p);
        if (!value) continue;  // outside the volume: stays black
        const std::uint8_t grey = toGrey(*value, window);
        Rgb colour{grey, grey, grey};
        if (const std::uint8_t label = sampler.label(p)) {
          const Rgb tint = labelColor(label);
          colour = {blend(grey, tint.r, opacity), blend(grey, tint.g, opacity), blend(grey, tint.b, opacity)};
        }
        montage.image.set(left + col, row, colour);
      }
  }
  // A one-slice panel has no letters: a radiograph's axes are not the patient's (it has no patient
  // geometry, medpipe gives it identity axes), so letters would claim what the file does not say.
  if (options.orientationLetters && g.panels == 3) drawLetters(montage.image, g);
  return montage;
}

void writeSliceMontage(const ImageF& image, const LabelImage* labels, const MontageOptions& options,
                       const std::filesystem::path& path) {
  writePng(renderSliceMontage(image, labels, options).image, path);
}

}  // namespace medpipe
