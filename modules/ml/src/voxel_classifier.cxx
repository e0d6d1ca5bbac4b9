// Training samples and classification, slab by slab: each slab's features are computed, used and
// dropped, so memory is a few slices of features per thread whatever the volume's size.
#include "medpipe/ml/voxel_classifier.h"

#include <algorithm>
#include <cmath>

#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"

namespace medpipe::ml {
namespace {

constexpr size_t kSlabFeatureFloats = size_t(48) << 20;  // ~192 MB of features per thread at most
constexpr size_t kMaxSlabSlices = 16;

size_t slabSlices(const VolumeView& v, const FeatureBank& bank) {
  const size_t perSlice = std::max<size_t>(1, v.sliceVoxels() * bank.featureCount());
  return std::clamp<size_t>(kSlabFeatureFloats / perSlice, 1, kMaxSlabSlices);
}

// A tree's nodes packed in one array (one cache line per node visit); leaves have left == -1.
struct PackedNode {
  double threshold;
  std::int32_t feature, left, right, unused;
};

std::vector<std::vector<PackedNode>> pack(const std::vector<Tree>& forest) {
  std::vector<std::vector<PackedNode>> packed;
  for (const Tree& t : forest) {
    std::vector<PackedNode> nodes(t.left.size());
    for (size_t n = 0; n < nodes.size(); ++n) nodes[n] = {t.threshold[n], t.feature[n], t.left[n], t.right[n], 0};
    packed.push_back(std::move(nodes));
  }
  return packed;
}

bool finiteVoxel(const VolumeView& v, size_t i) {
  for (const float* c : v.channel)
    if (!std::isfinite(c[i])) return false;
  return true;
}

}  // namespace

void gatherTrainingSamples(const VolumeView& v, const std::uint8_t* scribbles, const FeatureBank& bank,
                           const std::vector<int>& classIndexOfLabel, TrainingSet& set, const Progress& progress) {
  const size_t S = v.sliceVoxels(), slices = slabSlices(v, bank), F = bank.featureCount();
  const size_t slabs = (v.size[2] + slices - 1) / slices;
  std::vector<TrainingSet> perSlab(slabs);
  forEachPart(slabs, workerThreadCount(), [&](size_t begin, size_t end) {
    std::vector<float> features;
    for (size_t s = begin; s < end; ++s) {
      const size_t z0 = s * slices, z1 = std::min(v.size[2], z0 + slices), first = z0 * S, n = (z1 - z0) * S;
      std::vector<size_t> painted;
      for (size_t i = 0; i < n; ++i) {
        const int label = scribbles[first + i];
        if (label && classIndexOfLabel[size_t(label)] >= 0 && finiteVoxel(v, first + i)) painted.push_back(i);
      }
      if (painted.empty()) continue;
      features.resize(n * F);
      computeSlabFeatures(v, bank, z0, z1, features.data(), progress);
      TrainingSet& out = perSlab[s];
      for (size_t i : painted) {
        for (size_t f = 0; f < F; ++f) out.rows.push_back(features[f * n + i]);
        out.classIndex.push_back(classIndexOfLabel[scribbles[first + i]]);
      }
    }
  });
  for (const auto& part : perSlab) {  // slab order: the same set whatever the thread count
    set.rows.insert(set.rows.end(), part.rows.begin(), part.rows.end());
    set.classIndex.insert(set.classIndex.end(), part.classIndex.begin(), part.classIndex.end());
  }
}

void classify(const VoxelClassifier& model, const VolumeView& v, const std::uint8_t* mask, unsigned threads,
              const Classification& out, const Progress& progress) {
  const FeatureBank& bank = model.bank;
  const size_t S = v.sliceVoxels(), slices = slabSlices(v, bank), F = bank.featureCount();
  const size_t C = model.classes.size(), slabs = (v.size[2] + slices - 1) / slices;
  const float treeWeight = 1.0f / float(model.forest.size());
  const auto forest = pack(model.forest);
  forEachPart(slabs, threads, [&](size_t begin, size_t end) {
    std::vector<float> features, row(F), p(C);
    for (size_t s = begin; s < end; ++s) {
      const size_t z0 = s * slices, z1 = std::min(v.size[2], z0 + slices), first = z0 * S, n = (z1 - z0) * S;
      bool any = false;
      for (size_t i = 0; i < n && !any; ++i) any = (!mask || mask[first + i]) && finiteVoxel(v, first + i);
      if (any) {
        features.resize(n * F);
        computeSlabFeatures(v, bank, z0, z1, features.data(), progress);
      }
      for (size_t i = 0; i < n; ++i) {
        if ((i & 0xffff) == 0) progress.throwIfCancelled();
        const size_t at = first + i;
        if (!any || (mask && !mask[at]) || !finiteVoxel(v, at)) {
          out.labels[at] = 0;
          for (float* map : out.probabilities)
            if (map) map[at] = 0;
          continue;
        }
        for (size_t f = 0; f < F; ++f) row[f] = features[f * n + i];
        std::fill(p.begin(), p.end(), 0.0f);
        for (size_t t = 0; t < forest.size(); ++t) {  // sums in tree order
          const PackedNode* nodes = forest[t].data();
          const PackedNode* node = nodes;
          while (node->left >= 0)
            node = nodes + (double(row[size_t(node->feature)]) < node->threshold ? node->left : node->right);
          const float* leaf = model.forest[t].leafProbabilities.data() + size_t(node->right) * C;
          for (size_t k = 0; k < C; ++k) p[k] += leaf[k];
        }
        size_t best = 0;
        for (size_t k = 1; k < C; ++k)
          if (p[k] > p[best]) best = k;
        out.labels[at] = std::uint8_t(model.classes[best].label);
        for (size_t k = 0; k < out.probabilities.size() && k < C; ++k)
          if (out.probabilities[k]) out.probabilities[k][at] = p[k] * treeWeight;
      }
    }
  });
}

}  // namespace medpipe::ml
