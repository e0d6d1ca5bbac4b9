#include "medpipe/phantom/body_phantom.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace medpipe {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sq(double v) { return v * v; }

// Tissue class at a point in body coordinates (mm from the grid centre; x left, y posterior, z head).
PhantomLabel classify(double x, double y, double z, const std::array<double, 3>& lungOffset = {0, 0, 0}) {
  if (sq(x / 90) + sq(y / 70) > 1) return kAir;
  if (sq(x / 12) + sq((y - 45) / 12) <= 1) return kBone;      // spine, posterior
  if (sq((x - 70) / 8) + sq((y + 5) / 8) <= 1) return kBone;  // left arm bone
  const double lx = x - lungOffset[0], ly = y - lungOffset[1], lz = z - lungOffset[2];
  for (double side : {-1.0, 1.0}) {
    if (sq((lx - side * 38) / 26) + sq((ly + 2) / 36) + sq(lz / 60) <= 1) return kLung;
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
  // Centre the grid on spec.centre.
  typename TImage::PointType origin;
  for (unsigned r = 0; r < 3; ++r) {
    origin[r] = spec.centre[r];
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
  const float hu[5] = {spec.hu.air, spec.hu.softTissue, spec.hu.lung, spec.hu.bone, spec.hu.vessel};
  // A voxel on a vessel line has at least two of its three indices on the vessel grid.
  std::array<unsigned, 3> vesselStep{};
  for (unsigned a = 0; a < 3; ++a)
    vesselStep[a] = std::max(2u, static_cast<unsigned>(std::lround(spec.vesselSpacing / spec.spacing[a])));
  const auto onVessel = [&](unsigned c, unsigned j, unsigned k) {
    return spec.vesselSpacing > 0 &&
           (c % vesselStep[0] == 0) + (j % vesselStep[1] == 0) + (k % vesselStep[2] == 0) >= 2;
  };
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
        PhantomLabel label = classify(point[0] - spec.centre[0], point[1] - spec.centre[1], point[2] - spec.centre[2],
                                      spec.lungOffset);
        if (label == kLung && onVessel(c, j, k)) label = kVessel;
        labels[i] = label;
        const double value = hu[label] + (spec.noiseSigma > 0 ? noise(random) : 0.0);
        pixels[i] = static_cast<float>(std::nearbyint(std::clamp(value, -1024.0, 3071.0)));
      }
    }
  }
  return phantom;
}

}  // namespace medpipe
