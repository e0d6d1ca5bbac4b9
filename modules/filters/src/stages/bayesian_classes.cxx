// bayesian-classes: N classes by Bayes' rule — Gaussian class memberships (from k-means, as ITK's
// BayesianClassifierInitializationImageFilter builds them, or refined by EM), class priors, and
// optional Markov-random-field (Potts) smoothing that lets neighbours outvote noise.
#include "medpipe/filters/stage.h"
#include "tissue_classes.h"

namespace medpipe {
namespace {

class BayesianClassesStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "bayesian-classes", StageCategory::Segment,
        "Labels voxels 1..N (darkest first) by Gaussian memberships, priors and optional MRF smoothing",
        classes::classInputs(), DataKind::Labels,
        {classes::classesParameter(),
         ParameterSpec::choice("memberships", "em", {"em", "kmeans"},
                               "class Gaussians: fitted by EM, or the mean and variance of each k-means class (ITK's "
                               "Bayesian initialisation)"),
         ParameterSpec::choice("priors", "proportional", {"proportional", "uniform"},
                               "class priors: each class's share of the voxels, or equal"),
         ParameterSpec::integer("smoothing-iterations", 3, 0, 50,
                                "MRF (Potts) sweeps after the voxel-wise decision; 0 = none"),
         ParameterSpec::number("smoothing-weight", 1.0, 0, 10, "",
                               "Potts penalty per 6-neighbour of another class, in units of log probability"),
         classes::seedParameter()},
        "tissues:\n  stage: bayesian-classes\n  input: {image: t1, mask: brain}\n  classes: 3\n"
        "  smoothing-iterations: 3\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto voxels = classes::gatherVoxels(in, spec().name);
    const auto start = classes::initialMeans(voxels, p, spec().name);
    auto model = classes::gaussiansOfPartition(voxels, classes::kmeans(voxels, start, 100, progress));
    if (p.choice("memberships") == "em")
      model = classes::expectationMaximisation(voxels, model, 100, 1e-6, progress);
    return {nullptr,
            classes::bayesianLabels(voxels, model, p.choice("priors") == "uniform", p.integer("smoothing-iterations"),
                                    p.number("smoothing-weight"), *in.at("image").image, progress),
            nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(bayesian_classes, medpipe::BayesianClassesStage)
