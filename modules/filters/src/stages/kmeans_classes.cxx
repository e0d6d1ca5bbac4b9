// kmeans-classes: N intensity classes by k-means (Lloyd's algorithm from a seeded k-means++
// start) on one to three co-registered channels, e.g. air, fat and soft tissue on CT. Multithreaded,
// unlike ITK's ScalarImageKmeansImageFilter, with the same fixed point from the same initial means.
#include "medpipe/filters/stage.h"
#include "tissue_classes.h"

namespace medpipe {
namespace {

class KmeansClassesStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "kmeans-classes", StageCategory::Segment,
        "Splits voxels into N classes by k-means on one to three channels, labelled 1..N from darkest",
        classes::classInputs(), DataKind::Labels,
        {classes::classesParameter(),
         ParameterSpec::integer("max-iterations", 100, 1, 1000,
                                "Lloyd iterations at most; it stops when no mean moves"),
         classes::seedParameter()},
        "tissues:\n  stage: kmeans-classes\n  input: {image: t1, mask: brain}\n  classes: 3\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const auto voxels = classes::gatherVoxels(in, spec().name);
    const auto start = classes::initialMeans(voxels, p, spec().name);
    const auto means = classes::kmeans(voxels, start, p.integer("max-iterations"), progress);
    return {nullptr, classes::nearestMeanLabels(voxels, means, *in.at("image").image), nullptr};
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(kmeans_classes, medpipe::KmeansClassesStage)
