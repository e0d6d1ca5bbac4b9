#pragma once
// Image-quality metrics of one series, CT and MR (definitions:
// docs/quality-metrics.md). The table has one whole-volume row (slice = -1)
// and, for CT, one row per slice with the per-slice columns.
#include <memory>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/filters/label_table.h"

namespace medpipe::quality {

struct CtOptions {
  double bodyThreshold = -500;   // HU: the body mask when no labels are given
  long noiseWindowRadius = 3;    // voxels: local SD over (2r+1)^2 in-plane
  double noiseBinWidth = 1;      // HU: histogram of local SDs
  double metalThreshold = 3000;  // HU
};

struct MrOptions {
  bool t2Contrast = false;  // tissue classes by intensity: T1 CSF < GM < WM, T2 WM < GM < CSF
  double qi1ZScore = 10;    // background voxels brighter than this many MADs are artefacts
};

// `labels`: non-zero = body; null = computed. Both throw medpipe::Error("", "", "cancelled") within
// a slice or a few million voxels of `progress` being cancelled.
LabelTable ctMetrics(const ImageF& image, const LabelImage* labels, const CtOptions& options, const Progress& progress);

// `labels`: 0 outside the head, 1 CSF, 2 GM, 3 WM (FSL FAST's numbering), null
// = computed. `corrected`: the N4-corrected image; metrics are measured on it
// and the bias is image/corrected.
LabelTable mrMetrics(const ImageF& image, const LabelImage* labels, const ImageF* corrected, const MrOptions& options,
                     const Progress& progress);

}  // namespace medpipe::quality
