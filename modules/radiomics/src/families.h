#pragma once
// The feature families, each filling (tag, value) pairs; extract.cxx adds family and code.
#include <string>
#include <utility>
#include <vector>

#include "medpipe/radiomics/features.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

using FeatureList = std::vector<std::pair<std::string, double>>;

void addMorphologyFeatures(const RoiImage& roi, unsigned threads, FeatureList& out);
void addLocalIntensityFeatures(const RoiImage& roi, unsigned threads, FeatureList& out);
void addIntensityStatistics(const RoiImage& roi, FeatureList& out);
void addIntensityHistogram(const DiscretisedImage& image, FeatureList& out);
void addIntensityVolumeHistogram(const RoiImage& roi, const FeatureSettings& settings, FeatureList& out);
void addGlcmFeatures(const DiscretisedImage& image, unsigned aggregations, unsigned threads, FeatureList& out);
void addGlrlmFeatures(const DiscretisedImage& image, unsigned aggregations, unsigned threads, FeatureList& out);
void addGlszmFeatures(const DiscretisedImage& image, unsigned aggregations, FeatureList& out);
void addGldzmFeatures(const DiscretisedImage& image, const RoiImage& roi, unsigned aggregations, FeatureList& out);
void addNgtdmFeatures(const DiscretisedImage& image, unsigned aggregations, FeatureList& out);
void addNgldmFeatures(const DiscretisedImage& image, unsigned aggregations, FeatureList& out);

// The statistics stat_ and ih_ share (mean ... qcod), on values sorted ascending.
void addDistributionStatistics(const std::string& prefix, const std::vector<double>& sorted, FeatureList& out);
// Linear interpolation between closest ranks (numpy's default), on values sorted ascending.
double percentile(const std::vector<double>& sorted, double fraction);

}  // namespace medpipe::radiomics
