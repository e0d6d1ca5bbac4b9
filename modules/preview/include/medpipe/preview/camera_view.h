#pragma once
// Where the camera looks from, in patient terms. VTK's world is ITK's LPS physical space (+x the
// patient's left, +y posterior, +z superior), so an anterior view puts the camera at -y looking
// towards +y with +z up, and the patient's left (+x) appears on the viewer's right.
#include <array>
#include <string>
#include <vector>

namespace medpipe {

using Vector3 = std::array<double, 3>;

struct CameraView {
  Vector3 towardsCamera{0, -1, 0};  // unit vector from the focal point to the camera, LPS
  Vector3 viewUp{0, 0, 1};          // unit vector, perpendicular to towardsCamera
};

// Named views: anterior, posterior, left, right (the camera on that side of the patient, superior
// up), superior, inferior (anterior up; inferior is the axial view of radiology, patient's left on
// the viewer's right). Or "AZ,EL" in degrees: azimuth about the superior axis from anterior
// towards the patient's left (90 = left, 180 = posterior, 270 = right), elevation towards
// superior; the camera orbits, so up stays in the plane of superior and the viewing direction.
// Throws medpipe::Error (field "view") for anything else.
CameraView parseCameraView(const std::string& text);

const std::vector<std::string>& namedCameraViews();

// The view orbited by `degrees` about the superior (+z) axis, in the azimuth sense of
// parseCameraView: a turntable step.
CameraView orbitAboutSuperior(const CameraView& view, double degrees);

}  // namespace medpipe
