#pragma once
// Whole-volume passes over a voxel buffer on all threads that look at the cancel flag every 64 k
// voxels (a fraction of a millisecond), for stages that would otherwise be cancellable only
// between ITK filters.
#include <algorithm>
#include <cstddef>

#include "medpipe/core/image.h"
#include "medpipe/core/parallel.h"
#include "medpipe/core/progress.h"

namespace medpipe {

constexpr size_t kVoxelsPerCancelCheck = size_t(1) << 16;

// visit(i) for i in [begin, end) in order; throws medpipe::Error("cancelled") once `progress` is.
template <typename Visit>
void forEachVoxel(size_t begin, size_t end, const Progress& progress, Visit&& visit) {
  forEachBlock(end - begin, kVoxelsPerCancelCheck, progress, [&](size_t first, size_t last) {
    for (size_t i = begin + first; i < begin + last; ++i) visit(i);
  });
}

// A label map on `image`'s grid with label(value) at each voxel.
template <typename Label>
LabelImage::Pointer labelEachVoxel(const ImageF& image, const Progress& progress, Label&& label) {
  auto labels = LabelImage::New();
  labels->CopyInformation(&image);
  labels->SetRegions(image.GetBufferedRegion());
  labels->Allocate();
  const float* in = image.GetBufferPointer();
  LabelImage::PixelType* out = labels->GetBufferPointer();
  forEachPart(image.GetBufferedRegion().GetNumberOfPixels(), workerThreadCount(), [&](size_t begin, size_t end) {
    forEachVoxel(begin, end, progress, [&](size_t i) { out[i] = label(in[i]); });
  });
  return labels;
}

}  // namespace medpipe
