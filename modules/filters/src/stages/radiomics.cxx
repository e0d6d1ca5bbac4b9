// radiomics: IBSI-1 features of every label (or one), with IBSI's image processing before them.
// The parameters are declared here once; `medpipe radiomics` builds its options from them.
#include <cmath>
#include <limits>
#include <memory>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/radiomics/features.h"
#include "medpipe/radiomics/processing.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

radiomics::Interpolation interpolationOf(const std::string& name) {
  if (name == "nearest") return radiomics::Interpolation::Nearest;
  if (name == "cubic") return radiomics::Interpolation::Cubic;
  return radiomics::Interpolation::Linear;
}

ParameterSpec spacingParameter() {
  ParameterSpec p;
  p.name = "spacing";
  p.type = ParameterType::Points;
  p.unit = "mm";
  p.doc =
      "interpolate to this voxel spacing X,Y,Z (0 keeps an axis; e.g. 2,2,2 or 1,1,0 for in-plane only); the "
      "new grid is centred on the old one, its size rounded up; empty: no interpolation";
  p.defaultValue = Points{};
  return p;
}

class RadiomicsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    const double inf = std::numeric_limits<double>::infinity();
    static const StageSpec spec{
        "radiomics",
        StageCategory::Measure,
        "IBSI-1 radiomics features (morphology, intensity, histograms, GLCM, GLRLM, GLSZM, GLDZM, NGTDM, NGLDM) per "
        "label",
        {{"image", DataKind::Image, "intensities (HU for CT)"},
         {"labels", DataKind::Labels, "label map on the image's voxel grid; label 0 is background"}},
        DataKind::Table,
        {ParameterSpec::integer("label", 0, 0, 255, "the label to measure; 0: every label present, one row each"),
         spacingParameter(),
         ParameterSpec::choice("interpolation", "linear", {"nearest", "linear", "cubic"},
                               "image interpolation when resampling (cubic: cubic B-spline)"),
         ParameterSpec::flag("round-intensities", false, "round interpolated intensities to whole numbers (CT: HU)"),
         ParameterSpec::choice("mask-interpolation", "linear", {"nearest", "linear"},
                               "interpolation of the region mask (linear: partial volume, then mask-threshold)"),
         ParameterSpec::number("mask-threshold", 0.5, 0.0, 1.0, "",
                               "an interpolated mask value at least this is inside the region"),
         ParameterSpec::number(
             "range-min", -inf, -inf, inf, "",
             "re-segmentation: intensities below are left out of the intensity mask; FBS bins start here"),
         ParameterSpec::number("range-max", inf, -inf, inf, "", "re-segmentation: intensities above are left out"),
         ParameterSpec::number("outlier-sigma", 0, 0, 100, "sd",
                               "re-segmentation: leave out intensities beyond mean +- this many standard deviations "
                               "of the region (0: off; IBSI uses 3)"),
         ParameterSpec::number("bin-width", 0, 0, inf, "",
                               "fixed bin size discretisation (FBS) for histogram and texture features"),
         ParameterSpec::integer(
             "bin-count", 0, 0, 65536,
             "fixed bin number discretisation (FBN); give bin-width or bin-count (neither: 32 bins)"),
         ParameterSpec::number("ivh-bin-width", 0, 0, inf, "",
                               "intensity-volume histogram: fixed bin size from range-min, evaluated at the bin "
                               "centres (0 and no ivh-bin-count: intensities in steps of 1, over the range)"),
         ParameterSpec::integer("ivh-bin-count", 0, 0, 65536,
                                "intensity-volume histogram: this many bins over the region's range instead, for "
                                "arbitrary units (IBSI: 1000); ivh_i10, ivh_i90 are then bin numbers"),
         ParameterSpec::choice("aggregation", "all", {"3d", "2d", "2.5d", "2d+2.5d", "all"},
                               "texture matrices per slice (2d), slices merged (2.5d), in 3D, the two slice-wise "
                               "ones (2d+2.5d: IBSI's 2D configurations) or all three"),
         ParameterSpec::flag("diagnostics", false,
                             "add IBSI's diagnostic columns (diag_*: grid sizes, voxel counts and mean intensity "
                             "after each processing step)")},
        "features:\n  stage: radiomics\n  input: {image: input, labels: tumour}\n  spacing: 2,2,2\n"
        "  round-intensities: true\n  range-min: -1000\n  range-max: 400\n  bin-width: 25\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const ImageF& image = *in.at("image").image;
    const LabelImage& labels = *in.at("labels").labels;
    requireSameGrid(image, labels, spec().name, "labels");
    radiomics::ProcessingSettings processing;
    const auto& spacing = p.points("spacing").points;
    if (spacing.size() > 1) throw Error("", "radiomics.spacing", "give one spacing X,Y,Z, not a list");
    if (!spacing.empty()) {
      for (size_t k = 0; k < 3; ++k) {
        if (spacing[0][k] < 0) throw Error("", "radiomics.spacing", "must not be negative");
        processing.spacing[k] = spacing[0][k];
      }
    }
    processing.interpolation = interpolationOf(p.choice("interpolation"));
    processing.roundIntensities = p.flag("round-intensities");
    processing.maskInterpolation = interpolationOf(p.choice("mask-interpolation"));
    processing.maskThreshold = p.number("mask-threshold");
    processing.rangeMin = p.number("range-min");
    processing.rangeMax = p.number("range-max");
    if (processing.rangeMin > processing.rangeMax) throw Error("", "radiomics.range-min", "is above range-max");
    processing.outlierSigma = p.number("outlier-sigma");

    radiomics::FeatureSettings features;
    const double binWidth = p.number("bin-width");
    const long binCount = p.integer("bin-count");
    if (binWidth > 0 && binCount > 0) throw Error("", "radiomics.bin-width", "give bin-width or bin-count, not both");
    if (binWidth > 0) {
      features.discretisation.method = radiomics::Discretisation::BinWidth;
      features.discretisation.binWidth = binWidth;
      if (std::isfinite(processing.rangeMin)) features.discretisation.lowerBound = processing.rangeMin;
    } else {
      features.discretisation.method = radiomics::Discretisation::BinCount;
      features.discretisation.binCount = binCount > 0 ? int(binCount) : 32;
    }
    features.ivhBinWidth = p.number("ivh-bin-width");
    features.ivhBinCount = int(p.integer("ivh-bin-count"));
    if (std::isfinite(processing.rangeMin)) features.ivhLowerBound = processing.rangeMin;
    if (std::isfinite(processing.rangeMax)) features.ivhUpperBound = processing.rangeMax;
    if (features.ivhBinWidth > 0 && features.ivhBinCount > 0)
      throw Error("", "radiomics.ivh-bin-width", "give ivh-bin-width or ivh-bin-count, not both");
    const std::string& aggregation = p.choice("aggregation");
    features.aggregations = aggregation == "3d"        ? radiomics::Aggregate3D
                            : aggregation == "2d"      ? radiomics::Aggregate2D
                            : aggregation == "2.5d"    ? radiomics::Aggregate25D
                            : aggregation == "2d+2.5d" ? unsigned(radiomics::Aggregate2D | radiomics::Aggregate25D)
                                                       : radiomics::AggregateAll;

    std::vector<int> which;
    if (p.integer("label") > 0) {
      which.push_back(int(p.integer("label")));
    } else {
      std::vector<bool> present(256, false);
      const std::uint8_t* l = labels.GetBufferPointer();
      forEachBlock(labels.GetBufferedRegion().GetNumberOfPixels(), size_t(1) << 22, progress,
                   [&](size_t begin, size_t end) {
                     for (size_t i = begin; i < end; ++i) present[l[i]] = true;
                   });
      for (int v = 1; v < 256; ++v)
        if (present[size_t(v)]) which.push_back(v);
      if (which.empty()) throw Error("", "radiomics.labels", "the label map has no label other than 0");
    }
    auto table = std::make_shared<LabelTable>();
    for (size_t k = 0; k < which.size(); ++k) {
      progress.throwIfCancelled();
      radiomics::Diagnostics diagnostics;
      std::vector<radiomics::FeatureValue> values;
      // This label's share of the stage: the families done of its features (the module reports
      // them as they finish) and cancelled with the stage.
      const std::string what = "label " + std::to_string(which[k]);
      const double labelCount = double(which.size());
      const Progress labelProgress(
          [&progress, k, labelCount, &what](double f, const std::string& family) {
            progress.report((double(k) + f) / labelCount, what + ": " + family);
          },
          &progress);
      try {
        const radiomics::RoiImage roi =
            radiomics::prepareRegion(image, labels, which[k], processing, &diagnostics, labelProgress);
        values = radiomics::computeFeatures(roi, features, labelProgress);
      } catch (const Error& e) {
        if (progress.cancelled()) throw Error("", "", "cancelled");  // runStage names the stage
        const std::string field = e.info().field.empty() ? "" : "radiomics." + e.info().field;
        throw Error(e.info().path, field, "label " + std::to_string(which[k]) + ": " + e.info().reason);
      }
      if (table->columns.empty()) {
        table->columns.push_back("label");
        if (p.flag("diagnostics"))
          for (const auto& d : diagnostics) table->columns.push_back(d.first);
        for (const auto& v : values) table->columns.push_back(v.tag);
      }
      std::vector<double> row{double(which[k])};
      if (p.flag("diagnostics"))
        for (const auto& d : diagnostics) row.push_back(d.second);
      for (const auto& v : values) row.push_back(v.value);
      table->rows.push_back(std::move(row));
      progress.report(double(k + 1) / double(which.size()));
    }
    return {nullptr, nullptr, table};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(radiomics, medpipe::RadiomicsStage)
