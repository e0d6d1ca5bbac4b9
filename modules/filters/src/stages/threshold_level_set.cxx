// threshold-level-set: a seeded level set that grows through an intensity window and stops at its
// edges, with curvature keeping the surface smooth where a plain threshold would be ragged.
//
// Two departures from ITK's ThresholdSegmentationLevelSetImageFilter as it comes, both needed for
// a front to flow around structures outside the window (vessels in a lung):
// - Speed. ITK's speed is the distance in HU to the nearer window bound, unbounded outside: a
//   vessel at 30 HU next to a window [-1000, -600] pushes back at 630 while the lung (-850) pulls
//   at 150. The time step is set by the fastest voxel of the front, so every vessel the front
//   touches slows the whole front four times, and curvature-scaling (a weight against a speed in
//   HU) means nothing. The stage hands ITK a feature image whose speed is that distance over an
//   eighth of the window width, clamped to [-1, 1].
// - Stopping. ITK stops once the RMS change of the front falls below a bound; the front around
//   every vessel it has passed is still, so the RMS is diluted and the evolution stopped while the
//   rest of the front was still moving (on a lung with vessels, at once). The stage stops when
//   the region has not grown or shrunk by more than 0.05% over 20 iterations, or after `iterations`.
#include <itkMultiThreaderBase.h>
#include <itkThresholdSegmentationLevelSetImageFilter.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "itk_stage_support.h"
#include "intensity_window.h"
#include "medpipe/filters/stage.h"

namespace medpipe {
namespace {

// work(i) for i in [0, count) on ITK's thread pool; the whole-volume passes of this stage ran on one
// core before ITK's level set took over (and counting the region every 20 iterations).
void inParallel(size_t count, const std::function<void(size_t)>& work) {
  itk::MultiThreaderBase::New()->ParallelizeArray(
      0, count, [&](itk::SizeValueType i) { work(size_t(i)); }, nullptr);
}

// work(begin, end) over [0, n) in chunks of about a million.
void inChunks(size_t n, const std::function<void(size_t, size_t)>& work) {
  constexpr size_t kChunk = 1 << 20;
  inParallel((n + kChunk - 1) / kChunk, [&](size_t c) { work(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

// Signed distance (mm) to the union of balls around the seeds: negative inside, as ITK's level
// sets expect.
ImageF::Pointer seedSpheres(const ImageF& image, const std::vector<ImageF::IndexType>& seeds, double radius,
                            const Progress& progress, const std::string& stage) {
  std::vector<ImageF::PointType> centres(seeds.size());
  for (size_t i = 0; i < seeds.size(); ++i) image.TransformIndexToPhysicalPoint(seeds[i], centres[i]);
  auto phi = ImageF::New();
  phi->CopyInformation(&image);
  phi->SetRegions(image.GetLargestPossibleRegion());
  phi->Allocate();
  const auto region = phi->GetLargestPossibleRegion();
  const auto size = region.GetSize();
  float* out = phi->GetBufferPointer();
  // Slice by slice on all threads (seconds on one core for a CT), checking for a cancel per slice.
  inParallel(size[2], [&](size_t z) {
    if (progress.cancelled()) throw Error("", stage, "cancelled");
    ImageF::IndexType index = region.GetIndex();
    index[2] += itk::IndexValueType(z);
    ImageF::PointType point;
    float* slice = out + z * size[0] * size[1];
    for (size_t y = 0; y < size[1]; ++y)
      for (size_t x = 0; x < size[0]; ++x) {
        index[0] = region.GetIndex(0) + itk::IndexValueType(x), index[1] = region.GetIndex(1) + itk::IndexValueType(y);
        phi->TransformIndexToPhysicalPoint(index, point);
        double nearest = kUnbounded;
        for (const auto& centre : centres) nearest = std::min(nearest, point.EuclideanDistanceTo(centre));
        slice[y * size[0] + x] = static_cast<float>(nearest - radius);
      }
  });
  return phi;
}

// ITK's threshold speed of a feature value f with thresholds [-1, 1] is f + 1 for f < 0: a feature
// of s - 1 gives speed s. s is the HU distance to the nearer bound over `ramp`, within [-1, 1].
ImageF::Pointer normalisedSpeedFeature(const ImageF& image, double lower, double upper) {
  auto feature = ImageF::New();
  feature->CopyInformation(&image);
  feature->SetRegions(image.GetLargestPossibleRegion());
  feature->Allocate();
  const double ramp = std::max((upper - lower) / 8, 1e-6);
  const float* from = image.GetBufferPointer();
  float* to = feature->GetBufferPointer();
  inChunks(image.GetLargestPossibleRegion().GetNumberOfPixels(), [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const double distance = std::min(from[i] - lower, upper - from[i]);
      to[i] = static_cast<float>(std::clamp(distance / ramp, -1.0, 1.0) - 1.0);
    }
  });
  return feature;
}

// The threshold level set that stops once its region has settled (see the top of the file).
class SettlingLevelSet : public itk::ThresholdSegmentationLevelSetImageFilter<ImageF, ImageF, float> {
 public:
  using Self = SettlingLevelSet;
  using Superclass = itk::ThresholdSegmentationLevelSetImageFilter<ImageF, ImageF, float>;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)

  static constexpr unsigned kWindow = 20;  // iterations between two looks at the region

 protected:
  bool Halt() override {
    if (Superclass::Halt()) return true;  // progress, and the iteration budget (the RMS bound is off)
    const auto iteration = this->GetElapsedIterations();
    if (iteration == 0 || iteration % kWindow != 0) return false;
    const ImageF& phi = *this->GetOutput();
    const float* v = phi.GetBufferPointer();
    const size_t n = phi.GetBufferedRegion().GetNumberOfPixels();
    std::atomic<long> inside{0};
    inChunks(n, [&](size_t begin, size_t end) {
      inside += long(std::count_if(v + begin, v + end, [](float x) { return x <= 0; }));
    });
    const long count = inside;
    const bool settled = previous_ >= 0 && std::labs(count - previous_) <= std::max(2L, count / 2000);
    previous_ = count;
    return settled;
  }

 private:
  long previous_ = -1;
};

class ThresholdLevelSetStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "threshold-level-set", StageCategory::Segment,
        "Grows a smooth surface from seeds through voxels in [lower, upper] (level set)",
        {{"image", DataKind::Image, "image to segment"}}, DataKind::Labels,
        {ParameterSpec::points("seeds",
                               "start points, mm (LPS) or voxel:i,j,k; the surface starts as balls around them"),
         ParameterSpec::number("seed-radius", 5, 0.1, 1000, "mm", "radius of the starting ball around each seed"),
         windowBound("lower", -950, "lowest value the surface grows through"),
         windowBound("upper", -400, "highest value the surface grows through"),
         ParameterSpec::number("curvature-scaling", 0.2, 0, 1000, "",
                               "weight of smoothness against growth (speed 1 inside the window, -1 outside, eased "
                               "over an eighth of its width): the surface does not pass gaps narrower than about "
                               "4 x this in mm, so higher gives rounder, less leaky surfaces that may stop short"),
         ParameterSpec::integer("iterations", 1000, 1, 100000,
                                "most level-set iterations (the front moves up to 1/6 voxel per iteration); it stops "
                                "earlier once the region changes by less than 0.05% over 20 iterations")},
        "lung:\n  stage: threshold-level-set\n  input: ct\n  seeds: [[-38, -2, 0]]\n  lower: -950\n  upper: -400\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto [lower, upper] = checkedWindow(spec().name, p);
    const ImageF::Pointer& image = in.at("image").image;
    const auto seeds = seedIndices(p.points("seeds"), *image, spec().name + ".seeds");

    auto filter = SettlingLevelSet::New();
    filter->SetInput(seedSpheres(*image, seeds, p.number("seed-radius"), progress, spec().name));
    filter->SetFeatureImage(normalisedSpeedFeature(*image, lower, upper));
    filter->SetLowerThreshold(-1);
    filter->SetUpperThreshold(1);
    filter->SetPropagationScaling(1.0);
    filter->SetCurvatureScaling(static_cast<float>(p.number("curvature-scaling")));
    filter->SetNumberOfIterations(static_cast<unsigned>(p.integer("iterations")));
    filter->SetMaximumRMSError(0);  // SettlingLevelSet decides when to stop
    filter->SetIsoSurfaceValue(0);
    const ImageF::Pointer phi = runFilter(*filter, progress, spec().name);

    auto labels = LabelImage::New();
    labels->CopyInformation(phi);
    labels->SetRegions(phi->GetLargestPossibleRegion());
    labels->Allocate();
    const float* from = phi->GetBufferPointer();
    std::uint8_t* to = labels->GetBufferPointer();
    inChunks(phi->GetLargestPossibleRegion().GetNumberOfPixels(), [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) to[i] = from[i] <= 0 ? 1 : 0;  // ITK's level sets are negative inside
    });
    return {nullptr, labels, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(threshold_level_set, medpipe::ThresholdLevelSetStage)
