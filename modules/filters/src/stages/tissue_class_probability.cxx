// tissue-class-probability: the posterior probability of one tissue class under the Gaussian model
// gaussian-mixture (memberships: em) or bayesian-classes (memberships: kmeans or em) label by, from
// the same seed: where those stages give label c, class c has the largest probability (before
// bayesian-classes' MRF smoothing, which works on labels).
#include <algorithm>
#include <cmath>

#include "medpipe/filters/stage.h"
#include "tissue_classes.h"

namespace medpipe {
namespace {

class TissueClassProbabilityStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "tissue-class-probability", StageCategory::Segment,
        "Probability (0..1) of one of N tissue classes (label 1 darkest) under the Gaussian mixture or Bayesian model",
        classes::classInputs(), DataKind::Image,
        {classes::classesParameter(),
         ParameterSpec::integer("class", 1, 1, 10, "the class, as labelled by gaussian-mixture / bayesian-classes"),
         ParameterSpec::choice("memberships", "em", {"em", "kmeans"},
                               "class Gaussians: fitted by EM (gaussian-mixture's), or of each k-means class"),
         ParameterSpec::choice("priors", "proportional", {"proportional", "uniform"},
                               "class priors: each class's share of the voxels, or equal"),
         classes::seedParameter()},
        "white-matter:\n  stage: tissue-class-probability\n  input: {image: t1, mask: brain}\n  classes: 3\n"
        "  class: 3\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const long K = p.integer("classes"), wanted = p.integer("class");
    if (wanted > K)
      throw Error("", spec().name + ".class",
                  "class " + std::to_string(wanted) + " of " + std::to_string(K) + " classes");
    const auto voxels = classes::gatherVoxels(in, spec().name);
    const auto start = classes::initialMeans(voxels, p, spec().name);
    auto model = classes::gaussiansOfPartition(voxels, classes::kmeans(voxels, start, 100, progress));
    if (p.choice("memberships") == "em") model = classes::expectationMaximisation(voxels, model, 100, 1e-6, progress);
    const bool uniform = p.choice("priors") == "uniform";
    const auto label = classes::labelOrder(model.mean, model.C);
    const size_t k = size_t(std::find(label.begin(), label.end(), std::uint8_t(wanted)) - label.begin());
    const auto& like = *in.at("image").image;
    auto out = ImageF::New();
    out->CopyInformation(&like);
    out->SetRegions(like.GetLargestPossibleRegion());
    out->Allocate();
    float* o = out->GetBufferPointer();
    const auto probability = [&](const double* x, double* result) {
      double l[16];
      for (size_t c = 0; c < model.K; ++c) l[c] = model.logDensity(c, x, !uniform);
      const double top = *std::max_element(l, l + model.K);  // softmax without overflow
      double sum = 0;
      for (size_t c = 0; c < model.K; ++c) sum += std::exp(l[c] - top);
      *result = std::exp(l[k] - top) / sum;
    };
    const auto table = classes::tabulate(voxels, 1, probability);
    forEachPart(voxels.count, voxels.threads, [&](size_t b, size_t e) {
      double x[3], own;
      for (size_t i = b; i < e; ++i) {
        if ((i & 0xffff) == 0) progress.throwIfCancelled();
        if (!voxels.inside(i)) {
          o[i] = 0;
          continue;
        }
        if (!table.empty()) {
          o[i] = float(table[voxels.valueIndex(i)]);
          continue;
        }
        classes::load(voxels, i, x);
        probability(x, &own);
        o[i] = float(own);
      }
    });
    return {out, nullptr, nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(tissue_class_probability, medpipe::TissueClassProbabilityStage)
