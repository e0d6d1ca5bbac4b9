// Incremental 3D convex hull. Points strictly between two others on an axis-parallel line cannot be
// hull vertices, so only the extremes of every grid column (along each axis) are inserted: for a
// marching-cubes surface that leaves a small fraction of its vertices.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <unordered_set>

#include "mesh.h"

namespace medpipe::radiomics {
namespace {

// A map insertion per point (a surface has up to millions): check every few milliseconds.
constexpr size_t kPointsPerCancelCheck = size_t(1) << 14;

Point3 sub(const Point3& a, const Point3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Point3 cross(const Point3& a, const Point3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Point3& a, const Point3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

// Keeps, for each line parallel to an axis, only its two extreme points (on all three axes).
std::vector<Point3> columnExtremes(const std::vector<Point3>& points, const Progress& progress) {
  std::vector<char> keep(points.size(), 1);
  for (int axis = 0; axis < 3; ++axis) {
    const int u = (axis + 1) % 3, w = (axis + 2) % 3;
    std::map<std::pair<double, double>, std::pair<size_t, size_t>> extremes;  // line -> (min, max)
    for (size_t i = 0; i < points.size(); ++i) {
      if (i % kPointsPerCancelCheck == 0) progress.throwIfCancelled();
      if (!keep[i]) continue;
      auto [it, added] =
          extremes.emplace(std::make_pair(points[i][size_t(u)], points[i][size_t(w)]), std::make_pair(i, i));
      if (added) continue;
      auto& [lo, hi] = it->second;
      if (points[i][size_t(axis)] < points[lo][size_t(axis)]) lo = i;
      if (points[i][size_t(axis)] > points[hi][size_t(axis)]) hi = i;
    }
    std::vector<char> extreme(points.size(), 0);
    for (const auto& [line, ends] : extremes) extreme[ends.first] = extreme[ends.second] = 1;
    for (size_t i = 0; i < points.size(); ++i) keep[i] = keep[i] && extreme[i];
  }
  std::vector<Point3> kept;
  for (size_t i = 0; i < points.size(); ++i)
    if (keep[i]) kept.push_back(points[i]);
  return kept;
}

}  // namespace

TriangleMesh convexHull(std::vector<Point3> input, const Progress& progress) {
  TriangleMesh hull;
  std::vector<Point3> p = columnExtremes(input, progress);
  if (p.size() < 4) return hull;
  double scale = 0;
  for (const auto& q : p)
    for (double c : q) scale = std::max(scale, std::abs(c));
  const double eps = 1e-9 * std::max(1.0, scale * scale * scale);
  // A first tetrahedron: two extreme points, the farthest from their line, the farthest from that plane.
  size_t a = 0, b = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i][0] < p[a][0]) a = i;
    if (p[i][0] > p[b][0]) b = i;
  }
  size_t c = a, d = a;
  double best = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const Point3 n = cross(sub(p[b], p[a]), sub(p[i], p[a]));
    if (dot(n, n) > best) best = dot(n, n), c = i;
  }
  const Point3 normal = cross(sub(p[b], p[a]), sub(p[c], p[a]));
  best = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double v = std::abs(dot(normal, sub(p[i], p[a])));
    if (v > best) best = v, d = i;
  }
  if (best <= eps) return hull;  // flat
  std::vector<std::array<size_t, 3>> faces;
  auto orient = [&](const std::array<size_t, 3>& f, const Point3& q) {
    return dot(cross(sub(p[f[1]], p[f[0]]), sub(p[f[2]], p[f[0]])), sub(q, p[f[0]]));
  };
  const std::array<std::array<size_t, 3>, 4> first{{{a, b, c}, {a, c, d}, {a, d, b}, {b, d, c}}};
  const Point3 centre{(p[a][0] + p[b][0] + p[c][0] + p[d][0]) / 4, (p[a][1] + p[b][1] + p[c][1] + p[d][1]) / 4,
                      (p[a][2] + p[b][2] + p[c][2] + p[d][2]) / 4};
  for (auto f : first) {
    if (orient(f, centre) > 0) std::swap(f[1], f[2]);  // outward: the centre lies behind every face
    faces.push_back(f);
  }
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(12345));
  std::vector<char> visible;
  std::unordered_set<std::uint64_t> visibleEdges;
  auto edgeKey = [](size_t u, size_t v) { return (std::uint64_t(u) << 32) | std::uint64_t(v); };
  for (size_t i : order) {
    progress.throwIfCancelled();  // each point is tested against every face
    if (i == a || i == b || i == c || i == d) continue;
    visible.assign(faces.size(), 0);
    bool any = false;
    for (size_t f = 0; f < faces.size(); ++f)
      if (orient(faces[f], p[i]) > eps) visible[f] = 1, any = true;
    if (!any) continue;
    visibleEdges.clear();
    for (size_t f = 0; f < faces.size(); ++f)
      if (visible[f])
        for (int k = 0; k < 3; ++k) visibleEdges.insert(edgeKey(faces[f][size_t(k)], faces[f][size_t((k + 1) % 3)]));
    std::vector<std::array<size_t, 3>> kept;
    for (size_t f = 0; f < faces.size(); ++f) {
      if (!visible[f]) {
        kept.push_back(faces[f]);
        continue;
      }
      for (int k = 0; k < 3; ++k) {  // horizon: an edge whose twin belongs to a face that stays
        const size_t u = faces[f][size_t(k)], v = faces[f][size_t((k + 1) % 3)];
        if (!visibleEdges.count(edgeKey(v, u))) kept.push_back({u, v, i});
      }
    }
    faces.swap(kept);
  }
  std::map<size_t, std::uint32_t> index;
  for (const auto& f : faces) {
    std::array<std::uint32_t, 3> t{};
    for (int k = 0; k < 3; ++k) {
      auto [it, added] = index.emplace(f[size_t(k)], std::uint32_t(hull.vertices.size()));
      if (added) hull.vertices.push_back(p[f[size_t(k)]]);
      t[size_t(k)] = it->second;
    }
    hull.triangles.push_back(t);
  }
  return hull;
}

}  // namespace medpipe::radiomics
