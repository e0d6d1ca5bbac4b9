// label-statistics: per-label size, intensity and position, the numbers a report quotes for a
// segmentation (volume in mL, mean HU, where it is).
#include <itkLabelStatisticsImageFilter.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

#include "itk_stage_support.h"
#include "medpipe/core/parallel.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

using IndexSums = std::vector<std::array<double, 3>>;

// Sums of voxel indices per label value, for the centroid (ITK's label statistics have none). A
// raw walk over the buffer, on all threads, that skips background 8 voxels at a time: this pass
// must not cost more than a fraction of ITK's own. The sums are of integers, exact in double, so
// the result does not depend on the thread count.
IndexSums indexSums(const LabelImage& labels, const Progress& progress) {
  IndexSums sums(256, {0, 0, 0});
  std::mutex merge;
  const auto size = labels.GetBufferedRegion().GetSize();
  const auto start = labels.GetBufferedRegion().GetIndex();
  const size_t nx = size[0], rowsPerSlice = size[1];
  forEachPart(size[1] * size[2], workerThreadCount(), [&](size_t firstRow, size_t endRow) {
    IndexSums local(256, {0, 0, 0});
    for (size_t row = firstRow; row < endRow; ++row) {
      if (row % 64 == 0) progress.throwIfCancelled();
      const std::uint8_t* p = labels.GetBufferPointer() + row * nx;
      const double y = double(start[1] + static_cast<long>(row % rowsPerSlice));
      const double z = double(start[2] + static_cast<long>(row / rowsPerSlice));
      for (size_t x = 0; x < nx; ++x) {
        if (x + 8 <= nx) {
          std::uint64_t eight;
          std::memcpy(&eight, p + x, 8);
          if (eight == 0) {
            x += 7;
            continue;
          }
        }
        if (p[x] == 0) continue;
        auto& sum = local[p[x]];
        sum[0] += double(start[0] + static_cast<long>(x));
        sum[1] += y;
        sum[2] += z;
      }
    }
    std::lock_guard<std::mutex> lock(merge);
    for (size_t v = 0; v < sums.size(); ++v)
      for (int d = 0; d < 3; ++d) sums[v][d] += local[v][d];
  });
  return sums;
}

// Spacing product times |det(direction)|: a sheared grid (gantry tilt) has smaller voxels than its
// spacings alone suggest.
double voxelVolumeMm3(const ImageF& image) {
  const auto& m = image.GetDirection();
  const double det = m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1)) -
                     m(0, 1) * (m(1, 0) * m(2, 2) - m(1, 2) * m(2, 0)) +
                     m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0));
  const auto& spacing = image.GetSpacing();
  return spacing[0] * spacing[1] * spacing[2] * std::abs(det);
}

class LabelStatisticsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "label-statistics", StageCategory::Measure,
        "Per non-zero label: voxels, volume (mL), mean, sample std, min, max, bounding box, centroid (mm)",
        {{"image", DataKind::Image, "intensities to measure (HU for CT)"},
         {"labels", DataKind::Labels, "label map on the image's voxel grid; label 0 is not measured"}},
        DataKind::Table,
        {},
        "stats:\n  stage: label-statistics\n  input: {image: ct, labels: organs}\n"
        "  # columns: label, voxels, volume-ml, mean, std (sample: n - 1; 0 for one voxel), min, max,\n"
        "  # bbox-x0, bbox-y0, bbox-z0, bbox-x1, bbox-y1, bbox-z1 (inclusive voxel indices),\n"
        "  # centroid-x, centroid-y, centroid-z (mm, LPS)\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& /*parameters*/, const Progress& progress) const override {
    const ImageF::Pointer& image = in.at("image").image;
    const LabelImage::Pointer& labels = in.at("labels").labels;
    requireSameGrid(*image, *labels, spec().name, "labels");

    auto filter = itk::LabelStatisticsImageFilter<ImageF, LabelImage>::New();
    filter->SetInput(image);
    filter->SetLabelInput(labels);
    // ITK checks for a cancel between stream divisions only: slabs of about 4 slices.
    const auto slices = image->GetLargestPossibleRegion().GetSize()[2];
    filter->SetNumberOfStreamDivisions(static_cast<unsigned>(std::max<size_t>(1, slices / 4)));
    updateFilter(*filter, progress, spec().name);

    const double voxelMl = voxelVolumeMm3(*image) / 1000.0;
    auto table = std::make_shared<LabelTable>();
    table->columns = {"label",   "voxels",  "volume-ml", "mean",       "std",        "min",       "max",     "bbox-x0",
                      "bbox-y0", "bbox-z0", "bbox-x1",   "bbox-y1",    "bbox-z1",    "centroid-x", "centroid-y",
                      "centroid-z"};
    const auto sums = indexSums(*labels, progress);
    for (unsigned value = 1; value < sums.size(); ++value) {
      const auto label = static_cast<LabelImage::PixelType>(value);
      if (!filter->HasLabel(label)) continue;
      const auto& sum = sums[value];
      const auto voxels = static_cast<double>(filter->GetCount(label));
      const auto box = filter->GetBoundingBox(label);  // x0, x1, y0, y1, z0, z1
      itk::ContinuousIndex<double, Dimension> mean;
      for (unsigned d = 0; d < Dimension; ++d) mean[d] = sum[d] / voxels;
      // The mean of the voxel centres in mm is the centre of the mean index: the grid is affine.
      ImageF::PointType centroid;
      image->TransformContinuousIndexToPhysicalPoint(mean, centroid);
      table->rows.push_back({static_cast<double>(label), voxels, voxels * voxelMl, filter->GetMean(label),
                             filter->GetSigma(label), filter->GetMinimum(label), filter->GetMaximum(label),
                             static_cast<double>(box[0]), static_cast<double>(box[2]), static_cast<double>(box[4]),
                             static_cast<double>(box[1]), static_cast<double>(box[3]), static_cast<double>(box[5]),
                             centroid[0], centroid[1], centroid[2]});
    }
    return {nullptr, nullptr, table};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(label_statistics, medpipe::LabelStatisticsStage)
