// Training samples and classification, slab by slab: each slab's features are computed, used and
// dropped, so memory is a few slices of features per thread whatever the volume's size.
#include "medpipe/ml/voxel_classifier.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"

namespace medpipe::ml {
namespace {

constexpr size_t kSlabFeatureFloats = size_t(48) << 20;  // ~192 MB of features per thread at most
constexpr size_t kMaxSlabSlices = 16;
constexpr size_t kBlock = 64;  // voxels whose feature rows are gathered together (a power of 2)

size_t slabSlices(const VolumeView& v, const FeatureBank& bank) {
  const size_t perSlice = std::max<size_t>(1, v.sliceVoxels() * bank.featureCount());
  return std::clamp<size_t>(kSlabFeatureFloats / perSlice, 1, kMaxSlabSlices);
}

// A tree's nodes packed in one array, four to a cache line; leaves have left == -1. The threshold
// is the smallest float >= the model's double t: for a float x, x < it exactly when x < t.
struct PackedNode {
  float threshold;
  std::int32_t feature, left, right;
};

float floatThreshold(double t) {
  if (t > double(std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
  if (t < -double(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::max();
  float f = float(t);
  if (double(f) < t) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

std::vector<std::vector<PackedNode>> pack(const std::vector<Tree>& forest) {
  std::vector<std::vector<PackedNode>> packed;
  for (const Tree& t : forest) {
    std::vector<PackedNode> nodes(t.left.size());
    for (size_t n = 0; n < nodes.size(); ++n) nodes[n] = {floatThreshold(t.threshold[n]), t.feature[n], t.left[n], t.right[n]};
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
    std::vector<float> features, rows(kBlock * F), p(C);
    std::vector<const float*> leaf(forest.size());
    for (size_t s = begin; s < end; ++s) {
      const size_t z0 = s * slices, z1 = std::min(v.size[2], z0 + slices), first = z0 * S, n = (z1 - z0) * S;
      bool any = false;
      for (size_t i = 0; i < n && !any; ++i) any = (!mask || mask[first + i]) && finiteVoxel(v, first + i);
      if (any) {
        features.resize(n * F);
        computeSlabFeatures(v, bank, z0, z1, features.data(), progress);
      }
      for (size_t i0 = 0; i0 < n; i0 += kBlock) {
        if ((i0 & 0xffff) == 0) progress.throwIfCancelled();
        const size_t B = std::min(kBlock, n - i0);
        if (any)  // voxel-major rows of the block: each feature read as one contiguous run
          for (size_t f = 0; f < F; ++f)
            for (size_t b = 0; b < B; ++b) rows[b * F + f] = features[f * n + i0 + b];
        for (size_t b = 0; b < B; ++b) {
          const size_t at = first + i0 + b;
          if (!any || (mask && !mask[at]) || !finiteVoxel(v, at)) {
            out.labels[at] = 0;
            for (float* map : out.probabilities)
              if (map) map[at] = 0;
            continue;
          }
          const float* row = &rows[b * F];
          for (size_t t = 0; t < forest.size(); ++t) {
            const PackedNode* nodes = forest[t].data();
            const PackedNode* node = nodes;
            while (node->left >= 0)
              node = nodes + (row[size_t(node->feature)] < node->threshold ? node->left : node->right);
            leaf[t] = model.forest[t].leafProbabilities.data() + size_t(node->right) * C;
          }
          size_t best = 0;
          for (size_t k = 0; k < C; ++k) {
            float sum = 0;  // in tree order, in a register
            for (size_t t = 0; t < forest.size(); ++t) sum += leaf[t][k];
            p[k] = sum;
            if (sum > p[best]) best = k;
          }
          out.labels[at] = std::uint8_t(model.classes[best].label);
          for (size_t k = 0; k < out.probabilities.size() && k < C; ++k)
            if (out.probabilities[k]) out.probabilities[k][at] = p[k] * treeWeight;
        }
      }
    }
  });
}

}  // namespace medpipe::ml
