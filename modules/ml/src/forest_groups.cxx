// The grouped forest (see forest_groups.h): packing, SSE2 lanes, and the choice of AVX-512 or AVX2
// where the CPU has it.
#include "forest_groups.h"

#include <emmintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "forest_lanes.h"
#include "instruction_choice.h"
#include "medpipe/ml/voxel_classifier.h"

namespace medpipe::ml {

void sumLeafProbabilitiesAvx2(const ForestNode* const* roots, const float* const* leafProbabilities, size_t trees,
                              size_t classes, const float* const* columns, size_t features, size_t count,
                              const LaneBits* laneMasks, float* sums, PendingWalk* pending);  // forest_lanes_avx2.cxx
void sumLeafProbabilitiesAvx512(const ForestNode* const* roots, const float* const* leafProbabilities, size_t trees,
                                size_t classes, const float* const* columns, size_t features, size_t count,
                                const LaneBits* laneMasks, float* sums, PendingWalk* pending);  // forest_lanes_avx512.cxx

namespace {

float floatThreshold(double t) {
  if (t > double(std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
  if (t < -double(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::max();
  float f = float(t);
  if (double(f) < t) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

struct Sse2Lanes {
  using Vector = __m128;
  static constexpr size_t kWidth = 4;
  static constexpr size_t kWalkVoxels = 32;  // the part of a group walking together: 8 vectors
  static Vector zero() { return _mm_setzero_ps(); }
  static Vector load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, Vector v) { _mm_storeu_ps(p, v); }
  static std::uint32_t lessThan(const float* x, float threshold) {
    return std::uint32_t(_mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(x), _mm_set1_ps(threshold))));
  }
  static Vector lanes(std::uint32_t bits) {  // lane j all ones where bit j is set
    const __m128i bit = _mm_setr_epi32(1, 2, 4, 8);
    return _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(_mm_set1_epi32(int(bits)), bit), bit));
  }
  static Vector addWhere(Vector sum, Vector on, float value) {  // + 0 elsewhere: sums are never -0
    return _mm_add_ps(sum, _mm_and_ps(on, _mm_set1_ps(value)));
  }
};

std::atomic<Instructions> instructionLimit{Instructions::Best};

}  // namespace

bool useAvx2() {
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
  return has && instructionLimit != Instructions::Sse2;
}

GroupedForest groupForest(const VoxelClassifier& model) {
  GroupedForest forest;
  forest.classes = model.classes.size();
  for (const Tree& t : model.forest) {
    std::vector<ForestNode> nodes(t.left.size());
    std::vector<size_t> depth(nodes.size(), 0);  // children come after their parents (readModel checks)
    for (size_t n = 0; n < nodes.size(); ++n) {
      nodes[n] = {floatThreshold(t.threshold[n]), t.feature[n], t.left[n], t.right[n]};
      if (t.left[n] < 0) continue;
      for (std::int32_t child : {t.left[n], t.right[n]}) depth[size_t(child)] = std::max(depth[size_t(child)], depth[n] + 1);
      forest.depth = std::max(forest.depth, depth[n] + 1);
      forest.features = std::max(forest.features, size_t(t.feature[n]) + 1);
    }
    forest.nodes.push_back(std::move(nodes));
    forest.roots.push_back(forest.nodes.back().data());
    forest.leafProbabilities.push_back(t.leafProbabilities.data());
  }
  return forest;
}

bool useAvx512() {
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"));
  return has && instructionLimit == Instructions::Best;
}

void limitInstructionsForTesting(Instructions limit) { instructionLimit = limit; }

void sumLeafProbabilities(const GroupedForest& forest, const float* const* columns, size_t count,
                          const LaneBits* laneMasks, float* sums) {
  thread_local std::vector<PendingWalk> pending;
  pending.resize(forest.depth + 1);
  const auto* roots = forest.roots.data();
  const auto* leaves = forest.leafProbabilities.data();
  const size_t trees = forest.roots.size();
  if (useAvx512())
    sumLeafProbabilitiesAvx512(roots, leaves, trees, forest.classes, columns, forest.features, count, laneMasks, sums,
                               pending.data());
  else if (useAvx2())
    sumLeafProbabilitiesAvx2(roots, leaves, trees, forest.classes, columns, forest.features, count, laneMasks, sums,
                             pending.data());
  else
    sumLeafProbabilitiesFor<Sse2Lanes>(roots, leaves, trees, forest.classes, columns, forest.features, count,
                                       laneMasks, sums, pending.data());
}

}  // namespace medpipe::ml
