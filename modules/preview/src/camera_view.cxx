#include "medpipe/preview/camera_view.h"

#include <cmath>
#include <cstdio>

#include "medpipe/core/error.h"

namespace medpipe {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Right-handed rotation about +z: takes anterior (0,-1,0) to the patient's left (+1,0,0) at +90°.
Vector3 rotateZ(const Vector3& v, double degrees) {
  const double a = degrees * kPi / 180, c = std::cos(a), s = std::sin(a);
  return {v[0] * c - v[1] * s, v[0] * s + v[1] * c, v[2]};
}

}  // namespace

const std::vector<std::string>& namedCameraViews() {
  static const std::vector<std::string> names = {"anterior", "posterior", "left", "right", "superior", "inferior"};
  return names;
}

CameraView parseCameraView(const std::string& text) {
  if (text == "anterior") return {{0, -1, 0}, {0, 0, 1}};
  if (text == "posterior") return {{0, 1, 0}, {0, 0, 1}};
  if (text == "left") return {{1, 0, 0}, {0, 0, 1}};
  if (text == "right") return {{-1, 0, 0}, {0, 0, 1}};
  if (text == "superior") return {{0, 0, 1}, {0, -1, 0}};
  if (text == "inferior") return {{0, 0, -1}, {0, -1, 0}};
  double azimuth = 0, elevation = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%lf,%lf%n", &azimuth, &elevation, &used) == 2 &&
      static_cast<size_t>(used) == text.size() && std::abs(elevation) <= 90) {
    const double e = elevation * kPi / 180;
    const Vector3 horizontal = rotateZ({0, -1, 0}, azimuth);
    CameraView view;
    for (unsigned d = 0; d < 3; ++d) {
      const double up = d == 2 ? 1.0 : 0.0;
      view.towardsCamera[d] = std::cos(e) * horizontal[d] + std::sin(e) * up;
      view.viewUp[d] = -std::sin(e) * horizontal[d] + std::cos(e) * up;
    }
    return view;
  }
  std::string known;
  for (const auto& name : namedCameraViews()) known += name + ", ";
  throw Error("", "view", "'" + text + "' is not one of " + known + "or AZ,EL in degrees with |EL| <= 90");
}

CameraView orbitAboutSuperior(const CameraView& view, double degrees) {
  return {rotateZ(view.towardsCamera, degrees), rotateZ(view.viewUp, degrees)};
}

}  // namespace medpipe
