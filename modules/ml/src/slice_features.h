#pragma once
// The feature bank one slice at a time, for a thread walking through its slices in order: the y and x
// passes row by row in cache, and the structure tensor's gradients kept for the slices its outer
// smoothing reaches, so each slice's gradients are computed once, not once per slab that needs them.
// The same bits as any other way of cutting the work (gaussian_passes.h). Private to the ml module.
#include <memory>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/ml/feature_bank.h"

namespace medpipe::ml {

class SliceFeatures {
 public:
  // Each slice's work split over `threads` (its rows, its chunks): one set of slices in memory for
  // all of them, where a set per thread, each on its own slab, took 0.7 of a float volume on a CT.
  SliceFeatures(const VolumeView& volume, const FeatureBank& bank, unsigned threads = 1);
  ~SliceFeatures();
  SliceFeatures(const SliceFeatures&) = delete;
  SliceFeatures& operator=(const SliceFeatures&) = delete;

  // The bank's featureCount() columns of slice z, sliceVoxels() floats each, valid until the next call.
  // Any z; cheapest after slice z - 1. Throws Error("", "", "cancelled") within one slice of a cancel.
  const std::vector<const float*>& columns(size_t z, const Progress& progress);

  class Scale;    // one channel at one scale (slice_features.cxx)
  struct Scratch;  // the scales' shared scratch (slice_features.cxx)

 private:
  VolumeView volume_;
  FeatureBank bank_;
  std::unique_ptr<Scratch> scratch_;
  std::vector<std::unique_ptr<Scale>> scales_;
  std::vector<float> position_;  // x, y, z columns (mm)
  std::vector<const float*> columns_;
};

}  // namespace medpipe::ml
