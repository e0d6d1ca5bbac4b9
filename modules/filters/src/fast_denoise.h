#pragma once
// medpipe's own fast denoising filters behind `bilateral` and `patch-based-denoising` (their
// `implementation: fast`). Plain functions on whole float volumes, multithreaded over ITK's pool;
// they check for a cancel at least once per row and throw Error("", stage, "cancelled").
// Private to the filters module.
#include <functional>
#include <string>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

// Runs work(0 .. items-1) on ITK's thread pool in about ten rounds, reporting progress from `from`
// to `to` between rounds (from this thread: callbacks need not be thread-safe); `work` returns
// early once the progress is cancelled, and then this throws Error("", stage, "cancelled").
void parallelWithProgress(size_t items, const std::function<void(size_t)>& work, const Progress& progress,
                          const std::string& stage, double from, double to);

// ITK's bilateral filter (itk::BilateralImageFilter: Gaussian domain kernel reaching ceil(2.5 sigma)
// voxels per axis, range Gaussian from its 100-entry table up to 4 range sigmas, edge-replicating
// borders) applied as three 1D passes, along z, y and x in turn, instead of one 3D kernel: 41 taps a
// voxel rather than 2475 on 0.8 x 0.8 x 1 mm voxels. Where the image varies along one axis only,
// the result is ITK's; elsewhere it is an approximation whose distance to ITK's is measured in
// tests/filters/test_fast_denoise.cxx and stated in the stage's docs. One extra volume: the output.
ImageF::Pointer separableBilateral(const ImageF& input, double domainSigma, double rangeSigma,
                                   const Progress& progress, const std::string& stage);

// Classic non-local means (Buades et al.; weights as Coupe et al.'s blockwise form): each voxel
// becomes the mean of the voxels of its search box weighted by about exp(-max(d2 - 2 s2, 0) / (h2 s2))
// ((1 - a/16)^16 for e^-a),
// d2 the mean squared difference of the box patches around the two voxels, s the noise's standard
// deviation estimated from the image (median absolute pseudo-residual), h `strength`. Radii are in
// voxels per axis (0 along an axis keeps the patch or search inside the slice). Patches reaching past
// the volume's border read the nearest voxels. The distance of v to v + o is that of v + o to v, so
// each pair of offsets +-o costs one distance computation (over the tile widened by o). Two extra volumes.
struct NonLocalMeansSettings {
  long patch[3] = {1, 1, 1};
  long search[3] = {2, 2, 2};
  double strength = 1.0;
};
ImageF::Pointer nonLocalMeans(const ImageF& input, const NonLocalMeansSettings& settings, const Progress& progress,
                              const std::string& stage);

// The noise standard deviation of `image` estimated from its pseudo-residuals (a voxel minus the
// mean of its in-plane neighbours, scaled to unit variance), robustly (1.4826 x the median absolute
// value), so edges and structure barely count.
double estimateNoiseSigma(const ImageF& image);

}  // namespace medpipe
