// Cancelling radiomics (issue 22): every feature family stops within a second of a cancel, the
// values do not depend on whether a Progress is watched, and the resampling (cubic too) stops
// while it runs yet gives ITK's own voxels when it is not cancelled.
#include <gtest/gtest.h>

#include <itkBSplineInterpolateImageFunction.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "../../modules/radiomics/src/cancellable_resampling.h"
#include "../support/cancel_limit.h"
#include "medpipe/core/error.h"
#include "medpipe/radiomics/features.h"

namespace medpipe::radiomics {
namespace {

using Clock = std::chrono::steady_clock;

// A ball of random intensities in a cube of n^3 voxels: every family has real work (many zones,
// runs, grey levels), Moran's I takes its FFT path.
RoiImage noisyBall(int n) {
  RoiImage roi;
  roi.grid.size = {n, n, n};
  roi.grid.spacing = {1.0, 1.0, 1.5};
  std::mt19937 random(3);
  std::uniform_real_distribution<double> value(0, 100);
  const double r = n / 2.0 - 1;
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const double dx = x - n / 2.0, dy = y - n / 2.0, dz = z - n / 2.0;
        const bool inside = dx * dx + dy * dy + dz * dz <= r * r;
        roi.intensity.push_back(std::round(value(random)));
        roi.morphMask.push_back(inside);
        roi.intensityMask.push_back(inside);
      }
  return roi;
}

std::string reasonOf(const std::function<void()>& work) {
  try {
    work();
  } catch (const Error& e) {
    return e.info().reason;
  }
  return "";
}

// Each family alone, cancelled a tenth into its run: it stops within a second, and (for one that
// runs long enough to tell) in well under the rest of its run.
TEST(RadiomicsCancel, EveryFamilyStopsWithinASecond) {
  const RoiImage roi = noisyBall(88);  // 350k voxels in the ball
  for (const std::string& family : familyNames()) {
    FeatureSettings settings;
    settings.families = {family};
    const auto start = Clock::now();
    computeFeatures(roi, settings);
    const double full = std::chrono::duration<double>(Clock::now() - start).count();

    Progress progress;
    Clock::time_point cancelledAt;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::duration<double>(full / 10));
      cancelledAt = Clock::now();
      progress.cancel();
    });
    const std::string reason = reasonOf([&] { computeFeatures(roi, settings, progress); });
    const auto end = Clock::now();
    canceller.join();
    if (reason.empty()) {  // this run was quicker than a tenth of the first
      EXPECT_LT(end, cancelledAt + std::chrono::milliseconds(50)) << family << " went on after the cancel";
      continue;
    }
    EXPECT_EQ(reason, "cancelled") << family;
    const double after = std::chrono::duration<double>(end - cancelledAt).count();
    EXPECT_LT(after, 1.0) << family;
    if (full > 0.2) {
      EXPECT_LT(after, full / 2) << family << ": " << full << " s uncancelled";
    }
    std::printf("[ note ] %s (%.3f s) stopped %.3f s after the cancel\n", family.c_str(), full, after);
  }
}

TEST(RadiomicsCancel, ACancelledProgressStopsBeforeAnyWork) {
  const RoiImage roi = noisyBall(16);
  Progress cancelled;
  cancelled.cancel();
  EXPECT_EQ(reasonOf([&] { computeFeatures(roi, FeatureSettings{}, cancelled); }), "cancelled");
  EXPECT_EQ(reasonOf([&] { discretise(roi, DiscretisationSettings{}, cancelled); }), "cancelled");
}

TEST(RadiomicsCancel, ValuesDoNotDependOnTheProgressAndItReportsEachFamily) {
  const RoiImage roi = noisyBall(24);
  FeatureSettings settings;
  settings.threads = 2;
  const auto plain = computeFeatures(roi, settings);
  std::vector<double> fractions;
  std::vector<std::string> names;
  const Progress progress([&](double f, const std::string& what) {  // only the calling thread reports
    fractions.push_back(f);
    names.push_back(what);
  });
  const auto watched = computeFeatures(roi, settings, progress);
  ASSERT_EQ(plain.size(), watched.size());
  for (size_t k = 0; k < plain.size(); ++k) {
    EXPECT_EQ(plain[k].tag, watched[k].tag);
    if (std::isnan(plain[k].value))
      EXPECT_TRUE(std::isnan(watched[k].value)) << plain[k].tag;
    else
      EXPECT_EQ(plain[k].value, watched[k].value) << plain[k].tag;
  }
  ASSERT_FALSE(fractions.empty());
  for (size_t k = 1; k < fractions.size(); ++k) EXPECT_GT(fractions[k], fractions[k - 1]);
  EXPECT_LE(fractions.back(), 1.0);
  for (const auto& name : names)
    EXPECT_NE(std::find(familyNames().begin(), familyNames().end(), name), familyNames().end()) << name;
}

ImageF::Pointer noisyImage(unsigned n) {
  auto image = ImageF::New();
  ImageF::RegionType region;
  region.SetSize({{n, n, n}});
  image->SetRegions(region);
  image->Allocate();
  std::mt19937 random(5);
  std::normal_distribution<float> value(40, 20);
  for (size_t i = 0; i < region.GetNumberOfPixels(); ++i) image->GetBufferPointer()[i] = value(random);
  return image;
}

TargetGrid finerGrid(const ImageF& image, double spacing) {
  TargetGrid grid;
  grid.origin = image.GetOrigin();
  for (unsigned k = 0; k < 3; ++k) {
    grid.spacing[k] = spacing;
    grid.size[k] = size_t(double(image.GetLargestPossibleRegion().GetSize()[k]) / spacing);
  }
  return grid;
}

// The cubic interpolator computes its coefficients itself (to stop them): the voxels of ITK's.
TEST(RadiomicsCancel, CubicResamplingGivesItksVoxels) {
  const auto image = noisyImage(20);
  const TargetGrid grid = finerGrid(*image, 0.7);
  auto itk = itk::ResampleImageFilter<ImageF, ImageF, double, double>::New();
  itk->SetInput(image);
  itk->SetOutputOrigin(grid.origin);
  itk->SetOutputSpacing(grid.spacing);
  itk->SetOutputDirection(image->GetDirection());
  itk->SetSize(grid.size);
  itk->SetInterpolator(itk::BSplineInterpolateImageFunction<ImageF, double, double>::New());
  itk->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<ImageF, double>::New());
  itk->Update();
  const auto ours = resampleOnto(*image, grid, Interpolation::Cubic, Progress());
  const size_t n = ours->GetBufferedRegion().GetNumberOfPixels();
  ASSERT_EQ(n, itk->GetOutput()->GetBufferedRegion().GetNumberOfPixels());
  size_t differ = 0;
  for (size_t i = 0; i < n; ++i) differ += ours->GetBufferPointer()[i] != itk->GetOutput()->GetBufferPointer()[i];
  EXPECT_EQ(differ, 0u);
}

// A cancel before the resampler starts (its Update clears the abort flag first), and one while
// the cubic coefficients or the voxels are computed.
TEST(RadiomicsCancel, ResamplingStopsWithinASecond) {
  const auto image = noisyImage(160);
  for (const auto interpolation : {Interpolation::Linear, Interpolation::Cubic}) {
    Progress cancelled;
    cancelled.cancel();
    EXPECT_EQ(reasonOf([&] { resampleOnto(*image, finerGrid(*image, 0.5), interpolation, cancelled); }), "cancelled");

    Progress progress;
    Clock::time_point cancelledAt;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      cancelledAt = Clock::now();
      progress.cancel();
    });
    const std::string reason =
        reasonOf([&] { resampleOnto(*image, finerGrid(*image, 0.5), interpolation, progress); });
    const auto end = Clock::now();
    canceller.join();
    if (reason.empty()) continue;  // done within 0.1 s: nothing to stop
    EXPECT_EQ(reason, "cancelled");
    const double after = std::chrono::duration<double>(end - cancelledAt).count();
    EXPECT_LT(after, test::kStopWithin);
    std::printf("[ note ] %s resampling stopped %.3f s after the cancel\n",
                interpolation == Interpolation::Cubic ? "cubic" : "linear", after);
  }
}

}  // namespace
}  // namespace medpipe::radiomics
