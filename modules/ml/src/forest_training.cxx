// The one source with VIGRA's headers: trains VIGRA's random forest (Breiman's, Gini splits, as in
// ilastik) and flattens its trees into medpipe's Tree, so applying a model needs no VIGRA and the
// model file is medpipe's own (VIGRA's own format needs HDF5).
#include <vigra/random_forest.hxx>

#include <deque>

#include "medpipe/core/error.h"
#include "medpipe/ml/voxel_classifier.h"

namespace medpipe::ml {
namespace {

// VIGRA's topology: [featureCount, classCount, nodes...]; a node is [type, parameterAddress, child0,
// child1, column...]; parameters are [weight, threshold] (split) or [weight, p0, p1, ...] (leaf).
Tree flatten(const vigra::detail::DecisionTree& vt, size_t classes) {
  Tree t;
  // (vigra node index, our node index), first in first out: nodes and leaves are numbered in the
  // order the model file lists them, so a model read back is the same model
  std::deque<std::pair<std::int32_t, std::int32_t>> pending;
  auto add = [&](std::int32_t vigraIndex) {
    const std::int32_t ours = std::int32_t(t.left.size());
    t.feature.push_back(0), t.left.push_back(-1), t.right.push_back(-1), t.threshold.push_back(0);
    pending.push_back({vigraIndex, ours});
    return ours;
  };
  add(2);
  while (!pending.empty()) {
    const auto [vi, ours] = pending.front();
    pending.pop_front();
    const auto& topo = vt.topology_;
    const auto& param = vt.parameters_;
    const std::int32_t type = topo[vi], address = topo[vi + 1];
    if (type == vigra::e_ConstProbNode) {
      t.right[size_t(ours)] = std::int32_t(t.leafProbabilities.size() / classes);
      double sum = 0;
      for (size_t k = 0; k < classes; ++k) sum += param[size_t(address) + 1 + k];
      for (size_t k = 0; k < classes; ++k)
        t.leafProbabilities.push_back(float(sum > 0 ? param[size_t(address) + 1 + k] / sum : 1.0 / double(classes)));
    } else if (type == vigra::i_ThresholdNode) {
      t.feature[size_t(ours)] = topo[vi + 4];
      t.threshold[size_t(ours)] = param[size_t(address) + 1];
      const std::int32_t l = add(topo[vi + 2]);
      const std::int32_t r = add(topo[vi + 3]);
      t.left[size_t(ours)] = l, t.right[size_t(ours)] = r;
    } else {
      throw Error("", "", "VIGRA random forest: unexpected node type " + std::to_string(type));
    }
  }
  return t;
}

}  // namespace

bool forestTrainingAvailable() { return true; }

void trainForest(const TrainingSet& set, const TrainingOptions& options, VoxelClassifier& model) {
  const size_t F = model.bank.featureCount(), N = set.classIndex.size(), C = model.classes.size();
  vigra::MultiArray<2, float> features(vigra::Shape2(N, F));
  vigra::MultiArray<2, std::int32_t> labels(vigra::Shape2(N, 1));
  for (size_t i = 0; i < N; ++i) {
    for (size_t f = 0; f < F; ++f) features(i, f) = set.rows[i * F + f];
    labels(i, 0) = set.classIndex[i];
  }
  vigra::RandomForest<std::int32_t> rf(
      vigra::RandomForestOptions().tree_count(int(options.trees)).min_split_node_size(int(options.minSplitSize)));
  vigra::rf::visitors::OOB_Error oob;
  vigra::RandomNumberGenerator<> random(options.seed);
  rf.learn(features, labels, vigra::rf::visitors::create_visitor(oob), vigra::rf_default(), vigra::rf_default(),
           random);
  // VIGRA numbers the classes it saw in sorted order; every class has painted voxels, so k is k.
  if (rf.ext_param().class_count_ != int(C))
    throw Error("", "", "VIGRA random forest saw " + std::to_string(rf.ext_param().class_count_) + " classes, expected " +
                            std::to_string(C));
  model.forest.clear();
  for (const auto& tree : rf.trees_) model.forest.push_back(flatten(tree, C));
  model.outOfBagError = oob.oob_breiman;
  model.provenance.trees = options.trees;
  model.provenance.seed = options.seed;
}

}  // namespace medpipe::ml
