// sumLeafProbabilities on AVX-512 (this source alone is compiled with -mavx512f; forest_groups.cxx
// calls it only where the CPU has AVX-512F): a group's 64 voxels in four registers, its compares
// straight into bit masks and its leaf sums masked additions. Compares and additions only: the
// same bits as SSE2.
#include <immintrin.h>

#include "forest_lanes.h"

namespace medpipe::ml {
namespace {

struct Avx512Lanes {
  using Vector = __m512;
  static constexpr size_t kWidth = 16;
  static constexpr size_t kWalkVoxels = 64;  // the part of a group walking together: 4 vectors
  static Vector zero() { return _mm512_setzero_ps(); }
  static Vector load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Vector v) { _mm512_storeu_ps(p, v); }
  static std::uint32_t lessThan(const float* x, float threshold) {
    return _mm512_cmp_ps_mask(_mm512_loadu_ps(x), _mm512_set1_ps(threshold), _CMP_LT_OQ);
  }
  static __mmask16 lanes(std::uint32_t bits) { return __mmask16(bits); }
  static Vector addWhere(Vector sum, __mmask16 on, float value) {
    return _mm512_mask_add_ps(sum, on, sum, _mm512_set1_ps(value));
  }
};

}  // namespace

void sumLeafProbabilitiesAvx512(const ForestNode* const* roots, const float* const* leafProbabilities, size_t trees,
                                size_t classes, const float* const* columns, size_t features, size_t count,
                                const LaneBits* laneMasks, float* sums, PendingWalk* pending) {
  sumLeafProbabilitiesFor<Avx512Lanes>(roots, leafProbabilities, trees, classes, columns, features, count, laneMasks, sums,
                                       pending);
}

}  // namespace medpipe::ml
