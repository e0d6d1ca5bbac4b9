#pragma once
#include <array>
#include <cstdint>

#include "medpipe/core/image.h"

namespace medpipe {

// Ground-truth classes of the phantom's label map.
enum PhantomLabel : std::uint8_t { kAir = 0, kSoftTissue = 1, kLung = 2, kBone = 3, kVessel = 4 };

// Hounsfield units of each class before noise.
struct PhantomHu {
  float air = -1000, softTissue = 40, lung = -850, bone = 700, vessel = 30;
};

struct PhantomSpec {
  std::array<unsigned, 3> size{256, 256, 64};
  std::array<double, 3> spacing{0.8, 0.8, 2.5};  // mm
  // Rotation of the whole grid about the patient's left-right axis, degrees (0 = axial).
  double obliqueDegrees = 0;
  // CT gantry tilt, degrees: slices stay axial but each is shifted along y (posterior) by
  // slice spacing x tan(tilt), as a tilted gantry acquires them. Ignored when 0.
  double gantryTiltDegrees = 0;
  // Physical point (mm, LPS) at the centre of the grid, where the body is centred: scanners put the
  // origin anywhere (table height, scan start), far from the patient.
  std::array<double, 3> centre{0, 0, 0};
  // Both lungs moved by this much from their usual place, mm (x left, y posterior, z head).
  std::array<double, 3> lungOffset{0, 0, 0};
  // Vessels: lines one voxel thin along each grid axis through the lungs, about this far apart
  // (mm, at least two voxels), as real lungs are crossed by vessels. 0 = none.
  double vesselSpacing = 0;
  double noiseSigma = 20;  // HU, Gaussian
  std::uint32_t seed = 1;
  PhantomHu hu;
};

struct Phantom {
  ImageF::Pointer image;        // HU, whole numbers, noise included
  LabelImage::Pointer labels;   // PhantomLabel per voxel
};

// The body is an elliptic cylinder centred on the grid; two ellipsoid lungs, a spine behind them and
// one arm bone on the patient's left (+x in LPS) so left and right can be told apart.
Phantom makeBodyPhantom(const PhantomSpec& spec = {});

// The ground-truth class at a physical point (mm, LPS) of the default phantom (centred on the
// origin, no lung offset, no vessels), for checking resampled geometry.
PhantomLabel phantomLabelAt(double x, double y, double z);

}  // namespace medpipe
