#pragma once
// IBSI-1 features of one region: every family of the reference manual (chapter 3), computed from
// plain buffers. Tags are the manual's (and the digital phantom reference table's), e.g.
// `morph_volume`, `cm_joint_max_3D_avg`, `szm_sze_2_5D`.
#include <limits>
#include <string>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/radiomics/roi.h"

namespace medpipe::radiomics {

struct FeatureValue {
  std::string family;  // morph, loc, stat, ih, ivh, cm, rlm, szm, dzm, ngt, ngl
  std::string tag;     // with the aggregation suffix for texture features
  std::string code;    // the IBSI identifier of the feature (4 characters)
  double value = 0.0;
};

enum AggregationFlags : unsigned { Aggregate2D = 1, Aggregate25D = 2, Aggregate3D = 4, AggregateAll = 7 };

struct FeatureSettings {
  DiscretisationSettings discretisation;  // for intensity histogram and texture features
  // Intensity-volume histogram (IBSI 4.1.5): ivhBinWidth = 0 and ivhBinCount = 0: intensities as they
  // are, in steps of 1 (discrete intensities such as HU); ivhBinWidth > 0: fixed bin size, evaluated
  // at the bin centres (continuous calibrated intensities); ivhBinCount > 0: fixed bin number, evaluated
  // at the bin numbers 1..N (arbitrary units: the intensity features are then in bins, not intensities).
  double ivhBinWidth = 0.0;
  int ivhBinCount = 0;
  // The total range G of the first two cases: the re-segmentation range (IBSI); NaN = the ROI's
  // minimum / maximum. Bins of ivhBinWidth start at the lower bound.
  double ivhLowerBound = std::numeric_limits<double>::quiet_NaN();
  double ivhUpperBound = std::numeric_limits<double>::quiet_NaN();
  unsigned aggregations = AggregateAll;  // texture matrices in 2D, 2.5D and/or 3D
  std::vector<std::string> families;     // empty = all
  unsigned threads = 0;                  // 0 = medpipe::workerThreadCount()
};

// Throws medpipe::Error (field names the setting) for an empty region or impossible settings, and
// Error("", "", "cancelled") within a fraction of a second of `progress` being cancelled; reports
// the share of the families done (with the last one's name) as they finish.
std::vector<FeatureValue> computeFeatures(const RoiImage& roi, const FeatureSettings& settings,
                                          const Progress& progress = Progress());

// The catalogue: every base tag (without aggregation suffix) with family, IBSI code and name.
struct FeatureInfo {
  const char* family;
  const char* tag;
  const char* code;
  const char* name;
};
const std::vector<FeatureInfo>& featureCatalogue();
const std::vector<std::string>& familyNames();  // in the manual's order
// The catalogue entry of a full tag (suffix `_2D_avg`, `_3D` ... removed); nullptr if unknown.
const FeatureInfo* findFeature(const std::string& tag);

}  // namespace medpipe::radiomics
