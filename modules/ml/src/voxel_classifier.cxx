// Training samples and classification, slice by slice, so memory is bounded whatever the volume's
// size: training samples on each thread's own slab with its own SliceFeatures; classification with
// one SliceFeatures whose slices are split over the threads, then the grouped forest on each
// thread's groups of the slice.
#include "medpipe/ml/voxel_classifier.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "forest_groups.h"
#include "medpipe/core/parallel.h"
#include "slice_features.h"

namespace medpipe::ml {
namespace {

constexpr size_t kRunGroups = 32;  // groups a thread classifies at a time (2048 voxels)

bool finiteVoxel(const VolumeView& v, size_t i) {
  for (const float* c : v.channel)
    if (!std::isfinite(c[i])) return false;
  return true;
}

}  // namespace

void gatherTrainingSamples(const VolumeView& v, const std::uint8_t* scribbles, const FeatureBank& bank,
                           const std::vector<int>& classIndexOfLabel, TrainingSet& set, const Progress& progress) {
  const size_t S = v.sliceVoxels(), nz = v.size[2];
  std::vector<TrainingSet> perSlice(nz);
  forEachPart(nz, workerThreadCount(), [&](size_t begin, size_t end) {
    SliceFeatures features(v, bank);
    std::vector<size_t> painted;
    for (size_t z = begin; z < end; ++z) {
      const size_t first = z * S;
      painted.clear();
      for (size_t i = 0; i < S; ++i) {
        const int label = scribbles[first + i];
        if (label && classIndexOfLabel[size_t(label)] >= 0 && finiteVoxel(v, first + i)) painted.push_back(i);
      }
      if (painted.empty()) continue;
      const auto& columns = features.columns(z, progress);
      TrainingSet& out = perSlice[z];
      for (size_t i : painted) {
        for (const float* column : columns) out.rows.push_back(column[i]);
        out.classIndex.push_back(classIndexOfLabel[scribbles[first + i]]);
      }
    }
  });
  for (const auto& part : perSlice) {  // slice order: the same set whatever the thread count
    set.rows.insert(set.rows.end(), part.rows.begin(), part.rows.end());
    set.classIndex.insert(set.classIndex.end(), part.classIndex.begin(), part.classIndex.end());
  }
}

void classify(const VoxelClassifier& model, const VolumeView& v, const std::uint8_t* mask, unsigned threads,
              const Classification& out, const Progress& progress) {
  constexpr size_t G = kGroupVoxels;
  const size_t S = v.sliceVoxels(), C = model.classes.size(), groups = (S + G - 1) / G;
  const float treeWeight = 1.0f / float(model.forest.size());
  const GroupedForest forest = groupForest(model);
  SliceFeatures features(v, model.bank, threads);
  std::vector<LaneBits> lanes(groups);  // bit j of lanes[g]: voxel g * G + j is classified
  std::vector<float> sums(groups * C * G);
  for (size_t z = 0; z < v.size[2]; ++z) {
    progress.throwIfCancelled();
    const size_t first = z * S;
    bool any = false;
    for (size_t g = 0; g < groups; ++g) {
      LaneBits bits = 0;
      for (size_t j = 0; j < G && g * G + j < S; ++j) {
        const size_t at = first + g * G + j;
        bits |= LaneBits((!mask || mask[at]) && finiteVoxel(v, at)) << j;
      }
      lanes[g] = bits, any = any || bits;
    }
    const std::vector<const float*>* columns = any ? &features.columns(z, progress) : nullptr;
    // Groups [g0, g1): the forest, then the voxels' labels and probabilities.
    const auto classifyRun = [&](size_t g0, size_t g1) {
      if (columns) {
        std::vector<const float*> from(columns->size());
        for (size_t f = 0; f < from.size(); ++f) from[f] = (*columns)[f] + g0 * G;
        sumLeafProbabilities(forest, from.data(), std::min(S, g1 * G) - g0 * G, lanes.data() + g0,
                             sums.data() + g0 * C * G);
      }
      for (size_t i = g0 * G; i < std::min(S, g1 * G); ++i) {
        const size_t at = first + i;
        if (!((lanes[i / G] >> (i % G)) & 1)) {
          if (out.labels) out.labels[at] = 0;
          for (float* map : out.probabilities)
            if (map) map[at] = 0;
          continue;
        }
        const float* sum = sums.data() + (i / G) * C * G + i % G;  // class k's sum at sum[k * G]
        if (out.labels) {
          size_t best = 0;
          for (size_t k = 1; k < C; ++k)
            if (sum[k * G] > sum[best * G]) best = k;
          out.labels[at] = std::uint8_t(model.classes[best].label);
        }
        for (size_t k = 0; k < out.probabilities.size() && k < C; ++k)
          if (out.probabilities[k]) out.probabilities[k][at] = sum[k * G] * treeWeight;
      }
    };
    // Each thread takes the next run of groups (not half a slice each: the forest's time follows the
    // anatomy, and one half of a slice may take longer than the other).
    std::atomic<size_t> nextRun{0};
    forEachPart(threads, threads, [&](size_t, size_t) {
      for (size_t g0; (g0 = kRunGroups * nextRun++) < groups;)
        classifyRun(g0, std::min(groups, g0 + kRunGroups));
    });
  }
}
}  // namespace medpipe::ml
