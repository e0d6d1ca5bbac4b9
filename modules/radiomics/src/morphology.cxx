// Morphological features (IBSI 3.1): mesh-based volume and area, shape ratios, PCA axes,
// bounding-box, ellipsoid and convex-hull densities, centre of mass shift, integrated intensity,
// and Moran's I / Geary's C.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "autocorrelation.h"
#include "families.h"
#include "mesh.h"

namespace medpipe::radiomics {
namespace {

// Eigenvalues of a symmetric 3x3 matrix (cyclic Jacobi), descending.
std::array<double, 3> symmetricEigenvalues(std::array<std::array<double, 3>, 3> a) {
  for (int sweep = 0; sweep < 50; ++sweep) {
    const double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    if (off < 1e-30 * (a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2] + 1e-300)) break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        if (a[size_t(p)][size_t(q)] == 0) continue;
        const double theta = (a[size_t(q)][size_t(q)] - a[size_t(p)][size_t(p)]) / (2 * a[size_t(p)][size_t(q)]);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; ++k) {  // A <- J^T A J
          const double akp = a[size_t(k)][size_t(p)], akq = a[size_t(k)][size_t(q)];
          a[size_t(k)][size_t(p)] = c * akp - s * akq, a[size_t(k)][size_t(q)] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {
          const double apk = a[size_t(p)][size_t(k)], aqk = a[size_t(q)][size_t(k)];
          a[size_t(p)][size_t(k)] = c * apk - s * aqk, a[size_t(q)][size_t(k)] = s * apk + c * aqk;
        }
      }
  }
  std::array<double, 3> e{a[0][0], a[1][1], a[2][2]};
  std::sort(e.begin(), e.end(), std::greater<>());
  for (double& v : e) v = std::max(0.0, v);
  return e;
}

// Surface of an ellipsoid with semi-axes a >= b >= c: the manual's Legendre series (20 terms).
double ellipsoidArea(double a, double b, double c) {
  const double alpha = std::sqrt(std::max(0.0, 1 - b * b / (a * a))),
               beta = std::sqrt(std::max(0.0, 1 - c * c / (a * a)));
  // q_v = (alpha beta)^v P_v((alpha^2 + beta^2) / (2 alpha beta)), by the Legendre recurrence.
  const double s = (alpha * alpha + beta * beta) / 2, ab2 = alpha * alpha * beta * beta;
  double qPrev = 1, q = s, sum = 1 + q / (1 - 4.0);
  for (int v = 1; v < 20; ++v) {
    const double qNext = ((2 * v + 1) * s * q - v * ab2 * qPrev) / (v + 1);
    qPrev = q, q = qNext;
    sum += q / (1 - 4.0 * (v + 1) * (v + 1));
  }
  return 4 * M_PI * a * b * sum;
}

// Mesh vertices lie on a lattice (edge midpoints: half-voxel steps). A point strictly between two
// others on a line cannot be a hull vertex, so along each of the 13 lattice directions only the two
// ends of every line are kept: this leaves the hull a small fraction of the vertices to insert.
std::vector<Point3> latticeLineExtremes(const std::vector<Point3>& points, const Grid& g, const Progress& progress) {
  std::vector<std::array<long long, 3>> q(points.size());
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t k = 0; k < 3; ++k) q[i][k] = std::llround(points[i][k] / (0.5 * g.spacing[k]));
  std::vector<char> keep(points.size(), 1);
  const int directions[13][3] = {{1, 0, 0}, {0, 1, 0},  {0, 0, 1}, {1, 1, 0},  {1, -1, 0}, {1, 0, 1}, {1, 0, -1},
                                 {0, 1, 1}, {0, 1, -1}, {1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {-1, 1, 1}};
  for (const auto& d : directions) {
    // A line is identified by p x d (the same for all its points); its points are ordered by p . d.
    std::unordered_map<std::uint64_t, std::pair<size_t, size_t>> ends;
    ends.reserve(points.size());
    auto along = [&](size_t i) { return q[i][0] * d[0] + q[i][1] * d[1] + q[i][2] * d[2]; };
    for (size_t i = 0; i < points.size(); ++i) {
      if (i % kVoxelsPerCancelCheck == 0) progress.throwIfCancelled();  // a hash insertion per point
      if (!keep[i]) continue;
      const long long c0 = q[i][1] * d[2] - q[i][2] * d[1], c1 = q[i][2] * d[0] - q[i][0] * d[2],
                      c2 = q[i][0] * d[1] - q[i][1] * d[0];
      const std::uint64_t key =
          (std::uint64_t(c0 + (1 << 20)) << 42) ^ (std::uint64_t(c1 + (1 << 20)) << 21) ^ std::uint64_t(c2 + (1 << 20));
      auto [it, added] = ends.emplace(key, std::make_pair(i, i));
      if (added) continue;
      if (along(i) < along(it->second.first)) it->second.first = i;
      if (along(i) > along(it->second.second)) it->second.second = i;
    }
    std::vector<char> end(points.size(), 0);
    for (const auto& [key, e] : ends) end[e.first] = end[e.second] = 1;
    for (size_t i = 0; i < points.size(); ++i) keep[i] = keep[i] && end[i];
  }
  std::vector<Point3> kept;
  for (size_t i = 0; i < points.size(); ++i)
    if (keep[i]) kept.push_back(points[i]);
  return kept;
}

}  // namespace

void addMorphologyFeatures(const RoiImage& roi, unsigned threads, const Progress& progress, FeatureList& out) {
  const Grid& g = roi.grid;
  const TriangleMesh mesh = marchingCubes(g, roi.morphMask, progress);
  const double volume = mesh.volume(), area = mesh.area();
  double voxels = 0;
  Point3 centre{0, 0, 0}, weighted{0, 0, 0};
  double intensitySum = 0, intensityCount = 0;
  std::array<std::array<double, 3>, 3> second{};
  for (int z = 0; z < g.size[2]; ++z) {
    progress.throwIfCancelled();
    for (int y = 0; y < g.size[1]; ++y)
      for (int x = 0; x < g.size[0]; ++x) {
        const size_t i = g.index(x, y, z);
        const Point3 r{x * g.spacing[0], y * g.spacing[1], z * g.spacing[2]};
        if (roi.morphMask[i]) {
          ++voxels;
          for (size_t k = 0; k < 3; ++k) {
            centre[k] += r[k];
            for (size_t l = 0; l < 3; ++l) second[k][l] += r[k] * r[l];
          }
        }
        if (roi.intensityMask[i]) {
          intensitySum += roi.intensity[i], ++intensityCount;
          for (size_t k = 0; k < 3; ++k) weighted[k] += roi.intensity[i] * r[k];
        }
      }
  }
  for (size_t k = 0; k < 3; ++k) centre[k] /= voxels, weighted[k] /= intensitySum;
  std::array<std::array<double, 3>, 3> covariance{};
  for (size_t k = 0; k < 3; ++k)
    for (size_t l = 0; l < 3; ++l)
      covariance[k][l] =
          (second[k][l] / voxels - centre[k] * centre[l]) * voxels / (voxels - 1);  // sample covariance, as the manual
  const auto lambda = symmetricEigenvalues(covariance);

  const double pi = M_PI;
  out.emplace_back("morph_volume", volume);
  out.emplace_back("morph_vol_approx", voxels * g.voxelVolume());
  out.emplace_back("morph_area_mesh", area);
  out.emplace_back("morph_av", area / volume);
  out.emplace_back("morph_comp_1", volume / (std::sqrt(pi) * std::pow(area, 1.5)));
  out.emplace_back("morph_comp_2", 36 * pi * volume * volume / (area * area * area));
  out.emplace_back("morph_sph_dispr", area / std::cbrt(36 * pi * volume * volume));
  out.emplace_back("morph_sphericity", std::cbrt(36 * pi * volume * volume) / area);
  out.emplace_back("morph_asphericity", std::cbrt(area * area * area / (36 * pi * volume * volume)) - 1);
  out.emplace_back("morph_com", std::sqrt(std::pow(centre[0] - weighted[0], 2) + std::pow(centre[1] - weighted[1], 2) +
                                          std::pow(centre[2] - weighted[2], 2)));

  const TriangleMesh hull = convexHull(latticeLineExtremes(mesh.vertices, g, progress), progress);
  double diameter = 0;  // the farthest two mesh vertices are hull vertices
  for (size_t i = 0; i < hull.vertices.size(); ++i) {
    progress.throwIfCancelled();  // all pairs of hull vertices
    for (size_t j = i + 1; j < hull.vertices.size(); ++j) {
      const auto &p = hull.vertices[i], &q = hull.vertices[j];
      diameter = std::max(diameter, std::pow(p[0] - q[0], 2) + std::pow(p[1] - q[1], 2) + std::pow(p[2] - q[2], 2));
    }
  }
  out.emplace_back("morph_diam", std::sqrt(diameter));
  out.emplace_back("morph_pca_maj_axis", 4 * std::sqrt(lambda[0]));
  out.emplace_back("morph_pca_min_axis", 4 * std::sqrt(lambda[1]));
  out.emplace_back("morph_pca_least_axis", 4 * std::sqrt(lambda[2]));
  out.emplace_back("morph_pca_elongation", lambda[0] > 0 ? std::sqrt(lambda[1] / lambda[0]) : 0.0);
  out.emplace_back("morph_pca_flatness", lambda[0] > 0 ? std::sqrt(lambda[2] / lambda[0]) : 0.0);

  Point3 lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (const auto& v : mesh.vertices)
    for (size_t k = 0; k < 3; ++k) lo[k] = std::min(lo[k], v[k]), hi[k] = std::max(hi[k], v[k]);
  const double dx = hi[0] - lo[0], dy = hi[1] - lo[1], dz = hi[2] - lo[2];
  out.emplace_back("morph_vol_dens_aabb", volume / (dx * dy * dz));
  out.emplace_back("morph_area_dens_aabb", area / (2 * (dx * dy + dx * dz + dy * dz)));
  const double a = 2 * std::sqrt(lambda[0]), b = 2 * std::sqrt(lambda[1]), c = 2 * std::sqrt(lambda[2]);
  out.emplace_back("morph_vol_dens_aee", volume / (4 * pi / 3 * a * b * c));
  out.emplace_back("morph_area_dens_aee", area / ellipsoidArea(a, b, c));
  out.emplace_back("morph_vol_dens_conv_hull", volume / hull.volume());
  out.emplace_back("morph_area_dens_conv_hull", area / hull.area());
  out.emplace_back("morph_integ_int", volume * intensitySum / intensityCount);
  const SpatialAutocorrelation sa = spatialAutocorrelation(roi, threads, progress);
  out.emplace_back("morph_moran_i", sa.moranI);
  out.emplace_back("morph_geary_c", sa.gearyC);
}

}  // namespace medpipe::radiomics
