// gaussian-mixture: N classes as a Gaussian mixture (full covariance across channels) fitted by EM
// from k-means, each voxel labelled with its most probable class; unlike k-means, classes of
// different spread (a narrow CSF peak beside broad tissue) keep their own widths.
#include "medpipe/filters/stage.h"
#include "tissue_classes.h"

namespace medpipe {
namespace {

class GaussianMixtureStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "gaussian-mixture", StageCategory::Segment,
        "Fits a Gaussian mixture of N classes by EM and labels voxels 1..N (most probable class, darkest first)",
        classes::classInputs(), DataKind::Labels,
        {classes::classesParameter(),
         ParameterSpec::integer("max-iterations", 100, 1, 1000, "EM iterations at most"),
         ParameterSpec::number("tolerance", 1e-6, 0, 1, "",
                               "EM stops when the mean log likelihood per voxel changes by less than this"),
         classes::seedParameter()},
        "tissues:\n  stage: gaussian-mixture\n  input: {image: t1, image2: t2, mask: brain}\n  classes: 3\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto voxels = classes::gatherVoxels(in, spec().name);
    const auto start = classes::initialMeans(voxels, p, spec().name);
    const auto means = classes::kmeans(voxels, start, 100, progress);
    const auto model = classes::expectationMaximisation(voxels, classes::gaussiansOfPartition(voxels, means),
                                                        p.integer("max-iterations"), p.number("tolerance"), progress);
    return {nullptr, classes::bayesianLabels(voxels, model, false, 0, 0.0, *in.at("image").image, progress), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(gaussian_mixture, medpipe::GaussianMixtureStage)
