#pragma once
// Helpers of the stage tests: the message of an expected medpipe::Error, PSNR of a denoised
// phantom against the clean one away from tissue boundaries, and voxel differences between images.
#include <functional>
#include <map>
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/filters/parameters.h"
#include "medpipe/phantom/body_phantom.h"

namespace medpipe::test {

// The segment stages' phantom: 96x96x24 at 2.2x2.2x7 mm, noise 20 HU (every stage well under a second).
const Phantom& segmentPhantom();
// A finer one for the fast segmentation filters: 128x128x32 at 1.6x1.6x2.5 mm, noise 20 HU.
const Phantom& finerSegmentPhantom();

// What `f` throws as medpipe::Error, or "no error".
std::string errorOf(const std::function<void()>& f);

// PSNR (range 1700 HU) against the clean phantom over voxels at least two voxels (in-plane) and
// one slice away from any tissue boundary, so it measures noise removal, not edge blurring.
double interiorPsnr(const Phantom& clean, const ImageF& test);

// The largest absolute voxel difference of two images of the same size.
double maxDifference(const ImageF& a, const ImageF& b);

// The largest voxel difference between a stage's "fast" and "itk" implementations on `image` with
// `parameters`; also checks (gtest) that the fast output keeps the input's grid.
double fastVersusItk(const std::string& stage, const ImageF::Pointer& image, const std::map<std::string, ParameterValue>& parameters);

// Watershed markers on the body phantom's grid: one voxel per connected structure (air, soft tissue,
// both lungs, spine, a rib), labelled its tissue + 1 (0 means "unknown" to a watershed); checks
// (gtest) that each lies in its tissue.
LabelImage::Pointer oneMarkerPerStructure(const LabelImage& labels);

}  // namespace medpipe::test
