// sumLeafProbabilities on AVX2 (this source alone is compiled with -mavx2; forest_groups.cxx calls
// it only where the CPU has AVX2). Compares and additions only: the same bits as SSE2.
#include <immintrin.h>

#include "forest_lanes.h"

namespace medpipe::ml {
namespace {

struct Avx2Lanes {
  using Vector = __m256;
  static constexpr size_t kWidth = 8;
  static constexpr size_t kWalkVoxels = 32;  // the part of a group walking together: 4 vectors
  static Vector zero() { return _mm256_setzero_ps(); }
  static Vector load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Vector v) { _mm256_storeu_ps(p, v); }
  static std::uint32_t lessThan(const float* x, float threshold) {
    return std::uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x), _mm256_set1_ps(threshold), _CMP_LT_OQ)));
  }
  static Vector lanes(std::uint32_t bits) {
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(bits)), bit), bit));
  }
  static Vector addWhere(Vector sum, Vector on, float value) {
    return _mm256_add_ps(sum, _mm256_and_ps(on, _mm256_set1_ps(value)));
  }
};

}  // namespace

void sumLeafProbabilitiesAvx2(const ForestNode* const* roots, const float* const* leafProbabilities, size_t trees,
                              size_t classes, const float* const* columns, size_t features, size_t count,
                              const LaneBits* laneMasks, float* sums, PendingWalk* pending) {
  sumLeafProbabilitiesFor<Avx2Lanes>(roots, leafProbabilities, trees, classes, columns, features, count, laneMasks, sums, pending);
}

}  // namespace medpipe::ml
