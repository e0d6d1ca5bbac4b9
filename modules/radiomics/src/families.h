#pragma once
// The feature families, each filling (tag, value) pairs; extract.cxx adds family and code. Each
// throws medpipe::Error("", "", "cancelled") within a few milliseconds of work of `progress` being
// cancelled: its loops check once per slice, or per kVoxelsPerCancelCheck voxels.
#include <string>
#include <utility>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/radiomics/features.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

using FeatureList = std::vector<std::pair<std::string, double>>;

// Per-voxel loops (a neighbourhood, a run, a zone's voxel) check once per this many voxels; flat
// passes over a buffer use forEachBlock with kValuesPerCancelCheck.
constexpr size_t kVoxelsPerCancelCheck = size_t(1) << 16;
constexpr size_t kValuesPerCancelCheck = size_t(1) << 20;

void addMorphologyFeatures(const RoiImage& roi, unsigned threads, const Progress& progress, FeatureList& out);
void addLocalIntensityFeatures(const RoiImage& roi, unsigned threads, const Progress& progress, FeatureList& out);
void addIntensityStatistics(const RoiImage& roi, const Progress& progress, FeatureList& out);
void addIntensityHistogram(const DiscretisedImage& image, const Progress& progress, FeatureList& out);
void addIntensityVolumeHistogram(const RoiImage& roi, const FeatureSettings& settings, const Progress& progress,
                                 FeatureList& out);
void addGlcmFeatures(const DiscretisedImage& image, unsigned aggregations, unsigned threads, const Progress& progress,
                     FeatureList& out);
void addGlrlmFeatures(const DiscretisedImage& image, unsigned aggregations, unsigned threads, const Progress& progress,
                      FeatureList& out);
void addGlszmFeatures(const DiscretisedImage& image, unsigned aggregations, const Progress& progress, FeatureList& out);
void addGldzmFeatures(const DiscretisedImage& image, const RoiImage& roi, unsigned aggregations,
                      const Progress& progress, FeatureList& out);
void addNgtdmFeatures(const DiscretisedImage& image, unsigned aggregations, const Progress& progress, FeatureList& out);
void addNgldmFeatures(const DiscretisedImage& image, unsigned aggregations, const Progress& progress, FeatureList& out);

// The statistics stat_ and ih_ share (mean ... qcod), on values sorted ascending.
void addDistributionStatistics(const std::string& prefix, const std::vector<double>& sorted, const Progress& progress,
                               FeatureList& out);
// Linear interpolation between closest ranks (numpy's default), on values sorted ascending.
double percentile(const std::vector<double>& sorted, double fraction);

}  // namespace medpipe::radiomics
