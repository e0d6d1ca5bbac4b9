#pragma once
// Geometry for the morphological features: the marching-cubes surface of a mask, and a convex hull.
#include <array>
#include <cstdint>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

using Point3 = std::array<double, 3>;

struct TriangleMesh {
  std::vector<Point3> vertices;                         // unique
  std::vector<std::array<std::uint32_t, 3>> triangles;  // consistently oriented, closed
  double volume() const;                                // |sum of signed tetrahedra|, mm^3
  double area() const;                                  // mm^2
};

// IBSI 3.1: the iso-surface at 0.5 of the (padded) mask, vertices at edge midpoints, in mm with voxel
// (0,0,0) at the origin. Both throw medpipe::Error("", "", "cancelled") once `progress` is cancelled.
TriangleMesh marchingCubes(const Grid& grid, const std::vector<std::uint8_t>& mask,
                           const Progress& progress = Progress());

// The convex hull of points (any number, degenerate sets give an empty hull).
TriangleMesh convexHull(std::vector<Point3> points, const Progress& progress = Progress());

}  // namespace medpipe::radiomics
