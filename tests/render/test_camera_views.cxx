// Views in patient terms: where the camera sits and which way is up, and therefore which side of
// the patient lands on the viewer's right (screen right = viewing direction x up).
#include <gtest/gtest.h>

#include "medpipe/core/error.h"
#include "medpipe/preview/camera_view.h"

namespace medpipe {
namespace {

Vector3 screenRight(const CameraView& v) {
  const Vector3 d = {-v.towardsCamera[0], -v.towardsCamera[1], -v.towardsCamera[2]};  // viewing direction
  const Vector3& u = v.viewUp;
  return {d[1] * u[2] - d[2] * u[1], d[2] * u[0] - d[0] * u[2], d[0] * u[1] - d[1] * u[0]};
}

void expectVector(const Vector3& actual, const Vector3& expected, const char* what) {
  for (unsigned i = 0; i < 3; ++i) EXPECT_NEAR(actual[i], expected[i], 1e-9) << what << " component " << i;
}

TEST(CameraViews, AnteriorLooksFromMinusYWithSuperiorUpAndPatientLeftOnTheRight) {
  const auto v = parseCameraView("anterior");
  expectVector(v.towardsCamera, {0, -1, 0}, "camera side");
  expectVector(v.viewUp, {0, 0, 1}, "up");
  expectVector(screenRight(v), {1, 0, 0}, "screen right = patient left (+x)");
}

TEST(CameraViews, PosteriorPutsThePatientsLeftOnTheViewersLeft) {
  expectVector(screenRight(parseCameraView("posterior")), {-1, 0, 0}, "screen right");
}

TEST(CameraViews, InferiorIsTheRadiologicalAxialView) {
  const auto v = parseCameraView("inferior");
  expectVector(v.viewUp, {0, -1, 0}, "anterior up");
  expectVector(screenRight(v), {1, 0, 0}, "patient left on the right");
}

TEST(CameraViews, LateralViewsShowAnteriorAndPosteriorOnOppositeSides) {
  expectVector(screenRight(parseCameraView("left")), {0, 1, 0}, "left view: posterior on the right");
  expectVector(screenRight(parseCameraView("right")), {0, -1, 0}, "right view: anterior on the right");
}

TEST(CameraViews, AzimuthElevationAndTurntableAgreeWithNamedViews) {
  const auto left = parseCameraView("left");
  expectVector(parseCameraView("90,0").towardsCamera, left.towardsCamera, "90,0");
  expectVector(parseCameraView("180,0").towardsCamera, parseCameraView("posterior").towardsCamera, "180,0");
  expectVector(parseCameraView("0,90").towardsCamera, {0, 0, 1}, "0,90 from above");
  const auto orbited = orbitAboutSuperior(parseCameraView("anterior"), 90);
  expectVector(orbited.towardsCamera, left.towardsCamera, "a quarter turn from anterior");
  expectVector(orbited.viewUp, left.viewUp, "up stays superior");
}

TEST(CameraViews, UnknownViewsAreErrorsNamingTheOption) {
  EXPECT_THROW(parseCameraView("front"), Error);
  EXPECT_THROW(parseCameraView("10,100"), Error);
  try {
    parseCameraView("front");
  } catch (const Error& e) {
    EXPECT_EQ(e.info().field, "view");
  }
}

}  // namespace
}  // namespace medpipe
