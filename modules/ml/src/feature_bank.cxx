// The feature bank's names, and its features for a slab of slices (slice_features.h does the work).
#include "medpipe/ml/feature_bank.h"

#include <algorithm>
#include <cstdio>

#include "slice_features.h"

namespace medpipe::ml {

const char* toString(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::Gaussian: return "gaussian";
    case FeatureKind::LaplacianOfGaussian: return "log";
    case FeatureKind::GradientMagnitude: return "gradient-magnitude";
    case FeatureKind::DifferenceOfGaussians: return "dog";
    case FeatureKind::StructureTensor: return "structure-tensor";
    case FeatureKind::Hessian: return "hessian";
  }
  return "?";
}

unsigned columnsOf(FeatureKind kind) {
  return kind == FeatureKind::StructureTensor || kind == FeatureKind::Hessian ? 3 : 1;
}

namespace {

std::string formatScale(double mm) {
  char text[32];
  std::snprintf(text, sizeof text, "%gmm", mm);
  return text;
}

}  // namespace

size_t FeatureBank::featureCount() const {
  size_t perScale = 0;
  for (FeatureKind k : kinds) perScale += columnsOf(k);
  return channels * scalesMm.size() * perScale + (position ? 3 : 0);
}

std::vector<std::string> FeatureBank::featureNames() const {
  std::vector<std::string> names;
  for (unsigned c = 1; c <= channels; ++c)
    for (double s : scalesMm)
      for (FeatureKind k : kinds) {
        const std::string base = "c" + std::to_string(c) + "." + toString(k);
        if (columnsOf(k) == 1)
          names.push_back(base + "." + formatScale(s));
        else
          for (int e = 1; e <= 3; ++e) names.push_back(base + "-" + std::to_string(e) + "." + formatScale(s));
      }
  if (position) names.insert(names.end(), {"x-mm", "y-mm", "z-mm"});
  return names;
}

void computeSlabFeatures(const VolumeView& v, const FeatureBank& bank, size_t z0, size_t z1, float* out,
                         const Progress& progress) {
  SliceFeatures features(v, bank);
  const size_t S = v.sliceVoxels(), n = (z1 - z0) * S;
  for (size_t z = z0; z < z1; ++z) {
    const auto& columns = features.columns(z, progress);
    for (size_t f = 0; f < columns.size(); ++f) std::copy(columns[f], columns[f] + S, out + f * n + (z - z0) * S);
  }
}

}  // namespace medpipe::ml
