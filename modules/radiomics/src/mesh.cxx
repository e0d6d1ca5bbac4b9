// Marching cubes without lookup tables: in each cell, every face contributes the segments that cut
// its inside corners off (an ambiguous face keeps its two inside corners apart), oriented with the
// inside on the left as seen from outside the cell. Neighbouring cells see a shared face from
// opposite sides, so their segments run opposite ways and the surface closes with one orientation.
// The segments chain into loops around the cell, which are triangulated as fans.
#include "mesh.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace medpipe::radiomics {
namespace {

struct CellTopology {
  std::array<std::array<int, 3>, 8> corner;    // offsets
  std::array<std::array<int, 2>, 12> edge;     // corner pairs
  std::array<std::array<int, 4>, 6> face;      // corner cycles, counter-clockwise from outside
  std::array<std::array<int, 4>, 6> faceEdge;  // edge k joins face corners k and k+1
  CellTopology() {
    for (int c = 0; c < 8; ++c) corner[size_t(c)] = {c & 1, (c >> 1) & 1, (c >> 2) & 1};
    int e = 0;
    for (int a = 0; a < 8; ++a)
      for (int b = a + 1; b < 8; ++b) {
        int differ = 0;
        for (int k = 0; k < 3; ++k) differ += corner[size_t(a)][size_t(k)] != corner[size_t(b)][size_t(k)];
        if (differ == 1) edge[size_t(e++)] = {a, b};
      }
    int f = 0;
    for (int axis = 0; axis < 3; ++axis)
      for (int side = 0; side < 2; ++side) {
        const int u = (axis + 1) % 3, w = (axis + 2) % 3;
        std::array<int, 4> cycle{};
        const int uw[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        for (int k = 0; k < 4; ++k) {
          std::array<int, 3> p{};
          p[size_t(axis)] = side, p[size_t(u)] = uw[k][0], p[size_t(w)] = uw[k][1];
          cycle[size_t(k)] = p[0] | (p[1] << 1) | (p[2] << 2);
        }
        // e_u x e_w = e_axis: counter-clockwise from outside on the high side, reversed on the low side.
        if (side == 0) std::reverse(cycle.begin(), cycle.end());
        face[size_t(f)] = cycle;
        for (int k = 0; k < 4; ++k)
          faceEdge[size_t(f)][size_t(k)] = edgeOf(cycle[size_t(k)], cycle[size_t((k + 1) % 4)]);
        ++f;
      }
  }
  int edgeOf(int a, int b) const {
    for (int e = 0; e < 12; ++e)
      if ((edge[size_t(e)][0] == a && edge[size_t(e)][1] == b) || (edge[size_t(e)][0] == b && edge[size_t(e)][1] == a))
        return e;
    return -1;
  }
};

// Twice the area of the fan of `loop` (cell edges) from its vertex `apex`, vertices at edge midpoints.
double fanArea2(const CellTopology& t, const std::vector<int>& loop, size_t apex) {
  auto at = [&](size_t i) {
    const int e = loop[i % loop.size()];
    std::array<double, 3> p{};
    for (size_t d = 0; d < 3; ++d)
      p[d] = (t.corner[size_t(t.edge[size_t(e)][0])][d] + t.corner[size_t(t.edge[size_t(e)][1])][d]) / 2.0;
    return p;
  };
  double area = 0;
  for (size_t k = 1; k + 1 < loop.size(); ++k) {
    const auto a = at(apex), b = at(apex + k), c = at(apex + k + 1);
    const double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    area += std::sqrt(std::pow(u[1] * w[2] - u[2] * w[1], 2) + std::pow(u[2] * w[0] - u[0] * w[2], 2) +
                      std::pow(u[0] * w[1] - u[1] * w[0], 2));
  }
  return area;
}

void rotateToLargestFan(const CellTopology& t, std::vector<int>& loop) {
  size_t best = 0;
  double most = -1;
  for (size_t s = 0; loop.size() > 3 && s < loop.size(); ++s) {
    const double area = fanArea2(t, loop, s);
    if (area > most + 1e-12) most = area, best = s;
  }
  std::rotate(loop.begin(), loop.begin() + long(best), loop.end());
}

// For each of the 256 corner configurations, the loops of cell edges (precomputed once), each to
// be triangulated as the fan from its first vertex.
struct CellLoops {
  std::array<std::vector<std::vector<int>>, 256> loops;
  explicit CellLoops(const CellTopology& t) {
    for (int config = 1; config < 255; ++config) {
      std::array<int, 12> next;
      next.fill(-1);
      for (int f = 0; f < 6; ++f) {
        const auto& cycle = t.face[size_t(f)];
        auto inside = [&](int k) { return (config >> cycle[size_t((k + 4) % 4)]) & 1; };
        if (inside(0) == inside(2) && inside(1) == inside(3) && inside(0) != inside(1)) {
          // Ambiguous face: the inside corners join across it, each outside corner is cut off.
          const int o = inside(0) ? 1 : 0;  // an outside corner: segment from edge o-1 to edge o, and opposite
          next[size_t(t.faceEdge[size_t(f)][size_t((o + 3) % 4)])] = t.faceEdge[size_t(f)][size_t(o)];
          next[size_t(t.faceEdge[size_t(f)][size_t((o + 1) % 4)])] = t.faceEdge[size_t(f)][size_t((o + 2) % 4)];
          continue;
        }
        // A run of inside corners a..b (outside before a and after b): segment from edge b to edge a-1.
        for (int b = 0; b < 4; ++b) {
          if (!inside(b) || inside(b + 1)) continue;
          int a = b;
          while (inside(a - 1) && a - 1 != b - 4) --a;
          next[size_t(t.faceEdge[size_t(f)][size_t(b)])] = t.faceEdge[size_t(f)][size_t((a - 1 + 4) % 4)];
        }
      }
      std::array<bool, 12> used{};
      for (int e = 0; e < 12; ++e) {
        if (next[size_t(e)] < 0 || used[size_t(e)]) continue;
        std::vector<int> loop;
        for (int k = e; !used[size_t(k)]; k = next[size_t(k)]) used[size_t(k)] = true, loop.push_back(k);
        // The loop runs clockwise seen from outside: reversed, the normals point outward. A loop of
        // 4+ vertices is rarely planar; of its fan triangulations the one of largest area (in cell
        // units) is taken, and the loop rotated to start at its apex. It depends on the
        // configuration alone and is the lookup table's choice: VTK's vtkMarchingCubes gives the
        // same surface where no face is ambiguous (tests/radiomics/test_geometry.cxx), and IBSI's
        // references agree (digital phantom 556.3 mm^3, 388.1 mm^2; CT phantom areas 35702, 33731,
        // 34306 mm^2 at 0.98 x 0.98 x 3, 2 x 2 x 3 and 2 mm voxels; references 556, 388, 35700,
        // 33700, 34300). The fan of most volume missed the CT phantom's sphericity by 0.4 % at 2 mm.
        std::reverse(loop.begin(), loop.end());
        rotateToLargestFan(t, loop);
        loops[size_t(config)].push_back(loop);
      }
    }
  }
};

// Six times the signed volume of the tetrahedron (origin, a, b, c).
double signedVolume6(const Point3& a, const Point3& b, const Point3& c) {
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
}

}  // namespace

double TriangleMesh::volume() const {
  double v = 0;
  for (const auto& t : triangles) v += signedVolume6(vertices[t[0]], vertices[t[1]], vertices[t[2]]);
  return std::abs(v) / 6.0;
}

double TriangleMesh::area() const {
  double s = 0;
  for (const auto& t : triangles) {
    const Point3 &a = vertices[t[0]], &b = vertices[t[1]], &c = vertices[t[2]];
    const Point3 u{b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w{c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    s += std::sqrt(std::pow(u[1] * w[2] - u[2] * w[1], 2) + std::pow(u[2] * w[0] - u[0] * w[2], 2) +
                   std::pow(u[0] * w[1] - u[1] * w[0], 2));
  }
  return s / 2.0;
}

TriangleMesh marchingCubes(const Grid& grid, const std::vector<std::uint8_t>& mask, const Progress& progress) {
  static const CellTopology topology;
  static const CellLoops cellLoops(topology);
  const int nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
  auto inside = [&](int x, int y, int z) {
    return x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz && mask[grid.index(x, y, z)] != 0;
  };
  TriangleMesh mesh;
  // A vertex is the midpoint of a lattice edge: key it by twice its index coordinates.
  std::unordered_map<std::uint64_t, std::uint32_t> vertexOf;
  vertexOf.reserve(1 << 16);
  auto vertex = [&](int x2, int y2, int z2) {
    const std::uint64_t key = (std::uint64_t(x2 + 4) << 42) | (std::uint64_t(y2 + 4) << 21) | std::uint64_t(z2 + 4);
    auto [it, added] = vertexOf.emplace(key, std::uint32_t(mesh.vertices.size()));
    if (added)
      mesh.vertices.push_back({x2 * 0.5 * grid.spacing[0], y2 * 0.5 * grid.spacing[1], z2 * 0.5 * grid.spacing[2]});
    return it->second;
  };
  // Only cells touching the mask can hold surface: walk the cells around each mask voxel's box.
  int lo[3] = {nx, ny, nz}, hi[3] = {-1, -1, -1};
  for (int z = 0; z < nz; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x)
        if (mask[grid.index(x, y, z)]) {
          const int p[3] = {x, y, z};
          for (int k = 0; k < 3; ++k) lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
        }
  }
  if (hi[0] < 0) return mesh;
  std::vector<std::uint32_t> ids;
  for (int z = lo[2] - 1; z <= hi[2]; ++z) {
    progress.throwIfCancelled();
    for (int y = lo[1] - 1; y <= hi[1]; ++y)
      for (int x = lo[0] - 1; x <= hi[0]; ++x) {
        int config = 0;
        for (int c = 0; c < 8; ++c)
          if (inside(x + (c & 1), y + ((c >> 1) & 1), z + ((c >> 2) & 1))) config |= 1 << c;
        for (const auto& loop : cellLoops.loops[size_t(config)]) {
          ids.clear();
          for (int e : loop) {
            const auto& a = topology.corner[size_t(topology.edge[size_t(e)][0])];
            const auto& b = topology.corner[size_t(topology.edge[size_t(e)][1])];
            ids.push_back(vertex(2 * x + a[0] + b[0], 2 * y + a[1] + b[1], 2 * z + a[2] + b[2]));
          }
          for (size_t k = 1; k + 1 < ids.size(); ++k) mesh.triangles.push_back({ids[0], ids[k], ids[k + 1]});
        }
      }
  }
  return mesh;
}

}  // namespace medpipe::radiomics
