#pragma once
// Slice order and volume geometry of one stack of single-frame DICOM images, from
// ImagePositionPatient projected on the slice normal (never file names or InstanceNumber).
#include <array>
#include <string>
#include <vector>

#include "medpipe/io/dicom_header.h"

namespace medpipe {

using Vec3 = std::array<double, 3>;

// What is irregular about a stack; all empty/zero means a regular grid.
struct StackHealth {
  std::vector<double> missingSliceAt;  // positions along the normal (mm) where slices are absent
  bool nonUniformSpacing = false;      // gaps that are not whole multiples of the typical spacing
  double minSpacing = 0, maxSpacing = 0;
  double gantryTiltDegrees = 0;        // angle between the slice normal and the stacking direction
  bool geometryAssumed = false;        // a lone 2D image without ImagePositionPatient/Orientation
  bool regular() const { return missingSliceAt.empty() && !nonUniformSpacing && gantryTiltDegrees == 0; }
  std::string summary() const;         // "OK", or findings joined by "; "
};

struct SliceStack {
  std::vector<DicomHeader> slices;  // sorted by position along the normal, ascending
  Vec3 rowDirection{};              // direction of increasing column index (x)
  Vec3 columnDirection{};           // direction of increasing row index (y)
  Vec3 normal{};                    // rowDirection x columnDirection
  std::vector<double> positionsAlongNormal;
  Vec3 origin{};                    // ImagePositionPatient of the first sorted slice
  std::array<double, 3> spacing{};  // x (column spacing), y (row spacing), z (typical slice spacing)
  StackHealth health;
};

// Sorts and measures slices that belong to one volume (same orientation and size).
// Throws medpipe::Error naming the file and field when geometry is missing or inconsistent.
SliceStack buildSliceStack(std::vector<DicomHeader> slices);

Vec3 cross(const Vec3& a, const Vec3& b);
double dot(const Vec3& a, const Vec3& b);

}  // namespace medpipe
