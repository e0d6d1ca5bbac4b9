#include "medpipe/io/slice_stack.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "medpipe/core/error.h"

namespace medpipe {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Positions agree to this many mm; spacings are uniform within this fraction of the typical gap.
constexpr double kPositionTolerance = 1e-3;
constexpr double kSpacingTolerance = 0.01;
// A gap of more whole spacings than this is not "missing slices" but non-uniform spacing.
constexpr double kMaxMissingPerGap = 1000;

Vec3 normalized(const Vec3& v) {
  const double n = std::sqrt(dot(v, v));
  return n > 0 ? Vec3{v[0] / n, v[1] / n, v[2] / n} : v;
}

double median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

void requireGeometry(const DicomHeader& h) {
  if (!h.imagePosition) throw Error(h.path.string(), "ImagePositionPatient", "missing");
  if (!h.imageOrientation) throw Error(h.path.string(), "ImageOrientationPatient", "missing");
  if (!h.pixelSpacing) throw Error(h.path.string(), "PixelSpacing", "missing");
  if ((*h.pixelSpacing)[0] <= 0 || (*h.pixelSpacing)[1] <= 0)
    throw Error(h.path.string(), "PixelSpacing", "must be positive");
}

// A lone 2D image without patient geometry (secondary capture, CR, US) is placed as ITK does:
// origin 0, identity directions, spacing from PixelSpacing or ImagerPixelSpacing, else 1 mm.
void assumeGeometryOfLoneImage(const DicomHeader& in, DicomHeader& out) {
  if (in.imagePosition && in.imageOrientation && in.pixelSpacing) return;
  out.geometryAssumed = true;
  if (!out.imagePosition) out.imagePosition = std::array<double, 3>{0, 0, 0};
  if (!out.imageOrientation) out.imageOrientation = std::array<double, 6>{1, 0, 0, 0, 1, 0};
  if (!out.pixelSpacing) out.pixelSpacing = in.radiographPixelSpacing().value_or(std::array<double, 2>{1, 1});
}

}  // namespace

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

std::string StackHealth::summary() const {
  if (geometryAssumed) return "no patient geometry: identity assumed";
  if (regular()) return "OK";
  std::ostringstream out;
  const char* sep = "";
  if (!missingSliceAt.empty()) {
    out << "missing slices at";
    for (double p : missingSliceAt) out << ' ' << std::round(p * 100) / 100;
    out << " mm";
    sep = "; ";
  }
  if (nonUniformSpacing) {
    out << sep << "non-uniform spacing " << minSpacing << "-" << maxSpacing << " mm";
    sep = "; ";
  }
  if (gantryTiltDegrees != 0) out << sep << "gantry tilt " << std::round(gantryTiltDegrees * 100) / 100 << " deg";
  return out.str();
}

SliceStack buildSliceStack(std::vector<DicomHeader> slices) {
  if (slices.empty()) throw Error("", "", "no slices to stack");
  if (slices.size() == 1) assumeGeometryOfLoneImage(slices.front(), slices.front());
  for (const auto& h : slices) requireGeometry(h);

  SliceStack stack;
  const auto& iop = *slices.front().imageOrientation;
  stack.rowDirection = normalized({iop[0], iop[1], iop[2]});
  stack.columnDirection = normalized({iop[3], iop[4], iop[5]});
  stack.normal = normalized(cross(stack.rowDirection, stack.columnDirection));
  if (dot(stack.normal, stack.normal) < 0.5)
    throw Error(slices.front().path.string(), "ImageOrientationPatient", "row and column directions are parallel");

  auto along = [&](const DicomHeader& h) {
    const auto& p = *h.imagePosition;
    return dot({p[0], p[1], p[2]}, stack.normal);
  };
  // Finite DS values can still overflow here (1e308 + 1e308); sorting on inf or nan is undefined.
  double lowest = 0, highest = 0;
  for (const auto& h : slices) {
    const double at = along(h);
    if (!std::isfinite(at)) throw Error(h.path.string(), "ImagePositionPatient", "position out of range");
    lowest = &h == &slices.front() ? at : std::min(lowest, at);
    highest = &h == &slices.front() ? at : std::max(highest, at);
  }
  if (!std::isfinite(highest - lowest))
    throw Error(slices.front().path.string(), "ImagePositionPatient", "positions out of range");
  std::stable_sort(slices.begin(), slices.end(),
                   [&](const DicomHeader& a, const DicomHeader& b) { return along(a) < along(b); });

  for (const auto& h : slices) stack.positionsAlongNormal.push_back(along(h));
  const auto& first = *slices.front().imagePosition;
  stack.origin = {first[0], first[1], first[2]};
  const auto& ps = *slices.front().pixelSpacing;
  stack.spacing = {ps[1], ps[0], slices.front().sliceThickness > 0 ? slices.front().sliceThickness : 1.0};

  const auto& pos = stack.positionsAlongNormal;
  if (pos.size() >= 2) {
    std::vector<double> gaps;
    for (size_t i = 1; i < pos.size(); ++i) gaps.push_back(pos[i] - pos[i - 1]);
    for (size_t i = 0; i < gaps.size(); ++i) {
      if (gaps[i] < kPositionTolerance)
        throw Error(slices[i + 1].path.string(), "ImagePositionPatient",
                    "same position as " + slices[i].path.string());
    }
    const double typical = median(gaps);
    stack.spacing[2] = typical;
    auto& health = stack.health;
    health.minSpacing = *std::min_element(gaps.begin(), gaps.end());
    health.maxSpacing = *std::max_element(gaps.begin(), gaps.end());
    const double tolerance = std::max(kPositionTolerance, kSpacingTolerance * typical);
    for (size_t i = 0; i < gaps.size(); ++i) {
      const double ratio = gaps[i] / typical;
      const double whole = std::round(ratio);
      if (std::abs(gaps[i] - typical) <= tolerance) continue;
      if (whole >= 2 && whole <= kMaxMissingPerGap && std::abs(gaps[i] - whole * typical) <= tolerance) {
        for (int k = 1; k < static_cast<int>(whole); ++k) health.missingSliceAt.push_back(pos[i] + k * typical);
      } else {
        health.nonUniformSpacing = true;
      }
    }
    // On a regular stack, the end-to-end distance is the best spacing estimate: single gaps carry
    // the rounding of DS values (e.g. 2.000 vs 2.001), which adds up over hundreds of slices.
    if (health.missingSliceAt.empty() && !health.nonUniformSpacing)
      stack.spacing[2] = (pos.back() - pos.front()) / static_cast<double>(pos.size() - 1);
    // Gantry tilt: the stack advances along a direction that is not the slice normal.
    const auto& last = *slices.back().imagePosition;
    const Vec3 travel = normalized({last[0] - first[0], last[1] - first[1], last[2] - first[2]});
    const double cosine = std::min(1.0, std::abs(dot(travel, stack.normal)));
    const double tilt = std::acos(cosine) * 180.0 / kPi;
    if (tilt > 0.01) health.gantryTiltDegrees = tilt;
  }
  stack.health.geometryAssumed = slices.front().geometryAssumed;
  stack.slices = std::move(slices);
  return stack;
}

}  // namespace medpipe
