#pragma once
// Helpers of the stage tests: the message of an expected medpipe::Error, and PSNR of a denoised
// phantom against the clean one away from tissue boundaries.
#include <functional>
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::test {

// What `f` throws as medpipe::Error, or "no error".
std::string errorOf(const std::function<void()>& f);

// PSNR (range 1700 HU) against the clean phantom over voxels at least two voxels (in-plane) and
// one slice away from any tissue boundary, so it measures noise removal, not edge blurring.
double interiorPsnr(const Phantom& clean, const ImageF& test);

}  // namespace medpipe::test
