#pragma once
// The random forest over groups of 64 neighbouring voxels of a row: the group (or, where the vectors
// are narrower than AVX-512's, each half of it) walks each tree together, splitting only where its
// voxels part ways (rarely: neighbours mostly take the same path), so a node costs one compare of 64
// (32) features and the branch mispredictions of a voxel-by-voxel walk are shared by all of them
// (64 against 32 on AVX-512: the forest's CPU time -30 % on a CT). Each voxel still gets the leaf it
// would get alone, and its sums run over the trees in order: the same bits as one voxel at a time.
// Private to the ml module.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace medpipe::ml {

struct VoxelClassifier;

inline constexpr size_t kGroupVoxels = 64;
using LaneBits = std::uint64_t;  // bit j: voxel j of a group

// A tree's node: value < threshold goes to left, else right; a leaf has left == -1 and its class
// probabilities at leafProbabilities[right * classes]. The threshold is the smallest float >= the
// model's double t: for a float x, x < it exactly when x < t.
struct ForestNode {
  float threshold;
  std::int32_t feature, left, right;
};

struct GroupedForest {
  std::vector<std::vector<ForestNode>> nodes;   // per tree
  std::vector<const ForestNode*> roots;         // nodes[t].data()
  std::vector<const float*> leafProbabilities;  // per tree, into the model
  size_t classes = 0, depth = 0;                // depth: of the deepest leaf
  size_t features = 0;                          // columns the nodes read: [0, features)
};
GroupedForest groupForest(const VoxelClassifier& model);

// For voxels [0, count) of `columns` (feature f of voxel i at columns[f][i], readable up to the next
// multiple of 64): sums[(g * classes + k) * 64 + lane] = the sum over the trees, in order, of the
// probability of class k at the leaf of voxel g * 64 + lane, for the lanes set in laneMasks[g]
// (others: 0). Runs on AVX-512F or AVX2 where the CPU has it, else SSE2: the same bits every way.
void sumLeafProbabilities(const GroupedForest& forest, const float* const* columns, size_t count,
                          const LaneBits* laneMasks, float* sums);

}  // namespace medpipe::ml
