#include "medpipe/phantom/body_phantom.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace medpipe {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sq(double v) { return v * v; }

// Tissue class at a point in body coordinates (mm from the grid centre; x left, y posterior, z head).
PhantomLabel classify(double x, double y, double z) {
  if (sq(x / 90) + sq(y / 70) > 1) return kAir;
  if (sq(x / 12) + sq((y - 45) / 12) <= 1) return kBone;      // spine, posterior
  if (sq((x - 70) / 8) + sq((y + 5) / 8) <= 1) return kBone;  // left arm bone
  for (double side : {-1.0, 1.0}) {
    if (sq((x - side * 38) / 26) + sq((y + 2) / 36) + sq(z / 60) <= 1) return kLung;
  }
  return kSoftTissue;
}

template <typename TImage>
typename TImage::Pointer allocateLike(const PhantomSpec& spec) {
  auto image = TImage::New();
  typename TImage::SizeType size{{spec.size[0], spec.size[1], spec.size[2]}};
  image->SetRegions(typename TImage::RegionType(size));
  image->SetSpacing(spec.spacing.data());
  // Oblique: rotate the grid about the left-right (x) axis.
  const double a = spec.obliqueDegrees * kPi / 180;
  typename TImage::DirectionType direction;
  direction.SetIdentity();
  direction(1, 1) = std::cos(a), direction(1, 2) = -std::sin(a);
  direction(2, 1) = std::sin(a), direction(2, 2) = std::cos(a);
  // Gantry tilt: the slice-stacking axis leans in y; spacing along it grows so each step still
  // advances `spacing[2]` in z. The direction matrix is then sheared (not orthogonal), which ITK
  // allows and which the DICOM writer turns into per-slice ImagePositionPatient.
  const double t = spec.gantryTiltDegrees * kPi / 180;
  auto spacing = spec.spacing;
  if (t != 0) {
    direction(1, 2) = std::sin(t), direction(2, 2) = std::cos(t);
    spacing[2] = spec.spacing[2] / std::cos(t);
    image->SetSpacing(spacing.data());
  }
  image->SetDirection(direction);
  // Centre the grid on the physical origin.
  typename TImage::PointType origin;
  for (unsigned r = 0; r < 3; ++r) {
    origin[r] = 0;
    for (unsigned c = 0; c < 3; ++c) origin[r] -= direction(r, c) * (spec.size[c] - 1) * spacing[c] / 2;
  }
  image->SetOrigin(origin);
  image->Allocate();
  return image;
}

}  // namespace

PhantomLabel phantomLabelAt(double x, double y, double z) { return classify(x, y, z); }

Phantom makeBodyPhantom(const PhantomSpec& spec) {
  Phantom phantom{allocateLike<ImageF>(spec), allocateLike<LabelImage>(spec)};
  const float hu[4] = {spec.hu.air, spec.hu.softTissue, spec.hu.lung, spec.hu.bone};
  std::mt19937 random(spec.seed);
  std::normal_distribution<double> noise(0.0, spec.noiseSigma);
  float* pixels = phantom.image->GetBufferPointer();
  std::uint8_t* labels = phantom.labels->GetBufferPointer();
  size_t i = 0;
  ImageF::PointType point;
  for (unsigned k = 0; k < spec.size[2]; ++k) {
    for (unsigned j = 0; j < spec.size[1]; ++j) {
      for (unsigned c = 0; c < spec.size[0]; ++c, ++i) {
        phantom.image->TransformIndexToPhysicalPoint({{c, j, k}}, point);
        const PhantomLabel label = classify(point[0], point[1], point[2]);
        labels[i] = label;
        const double value = hu[label] + (spec.noiseSigma > 0 ? noise(random) : 0.0);
        pixels[i] = static_cast<float>(std::nearbyint(std::clamp(value, -1024.0, 3071.0)));
      }
    }
  }
  return phantom;
}

}  // namespace medpipe
