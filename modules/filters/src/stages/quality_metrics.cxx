// quality-metrics: image-quality numbers of one series for the batch report: CT
// noise, water- equivalent diameter, truncation, metal; MR metrics as MRIQC
// defines them. Definitions and references: docs/quality-metrics.md.
#include "quality/quality_metrics.h"

#include <algorithm>

#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

class QualityMetricsStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "quality-metrics",
        StageCategory::Measure,
        "Image-quality metrics of a CT (noise, water-equivalent diameter, "
        "truncation, metal) or MR (MRIQC's SNR, "
        "CNR, CJV, EFC, FBER, WM2MAX, QI1, FWHM, INU)",
        {{"image", DataKind::Image, "the image as acquired (HU for CT)"},
         {"labels", DataKind::Labels,
          "CT: non-zero = body; MR: 0 outside the head, 1 CSF, 2 GM, 3 WM; "
          "computed from the image when absent",
          true},
         {"corrected", DataKind::Image,
          "MR: the n4-bias-correction output; metrics are measured on it and "
          "the bias field is image / corrected",
          true}},
        DataKind::Table,
        {ParameterSpec::choice("modality", "auto", {"auto", "ct", "mr"},
                               "auto: CT when the image minimum is at most "
                               "-500 (air in HU), else MR"),
         ParameterSpec::number("body-threshold", -500, -1100, 1000, "HU", "CT: body mask threshold when no labels"),
         ParameterSpec::integer("noise-window-radius", 3, 1, 20,
                                "CT: local SD over (2r+1) x (2r+1) voxels "
                                "in-plane for the global noise level"),
         ParameterSpec::number("noise-bin-width", 1, 0.01, 100, "HU", "CT: bin width of the local-SD histogram"),
         ParameterSpec::number("metal-threshold", 3000, 0, 100000, "HU", "CT: voxels above this are metal"),
         ParameterSpec::choice("tissue-contrast", "t1", {"t1", "t2"},
                               "MR: order of the computed classes by intensity, t1: CSF < GM < "
                               "WM, t2: WM < GM < CSF"),
         ParameterSpec::number("qi1-z-score", 10, 1, 1000, "",
                               "MR: background voxels brighter than this many "
                               "MADs count as artefacts (QI1)")},
        "qc:\n  stage: quality-metrics\n  input: {image: input}\n"
        "  # one row with slice = -1 for the volume; CT adds one row per slice "
        "(wed-mm, truncated)\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const ImageF::Pointer& image = in.at("image").image;
    const LabelImage* labels = in.count("labels") ? in.at("labels").labels.GetPointer() : nullptr;
    const ImageF* corrected = in.count("corrected") ? in.at("corrected").image.GetPointer() : nullptr;
    if (labels) requireSameGrid(*image, *labels, spec().name, "labels");
    if (corrected) requireSameGrid(*image, *corrected, spec().name, "corrected");
    progress.throwIfCancelled();

    std::string modality = p.choice("modality");
    if (modality == "auto") {
      const float* v = image->GetBufferPointer();
      const size_t n = image->GetBufferedRegion().GetNumberOfPixels();
      modality = n && *std::min_element(v, v + n) <= -500 ? "ct" : "mr";
    }
    LabelTable table;
    if (modality == "ct") {
      table = quality::ctMetrics(*image, labels,
                                 {p.number("body-threshold"), p.integer("noise-window-radius"),
                                  p.number("noise-bin-width"), p.number("metal-threshold")},
                                 progress);
    } else {
      table = quality::mrMetrics(*image, labels, corrected,
                                 {p.choice("tissue-contrast") == "t2", p.number("qi1-z-score")}, progress);
    }
    return {nullptr, nullptr, std::make_shared<LabelTable>(std::move(table))};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(quality_metrics, medpipe::QualityMetricsStage)
