// trisectedCosines 8 at a time (this source alone is compiled with -mavx2 -mfma; called only where the
// CPU has both). glibc 2.36's two functions, operation for operation: acosf is fdlibm's float
// algorithm (e_acosf.c: one rational p(z)/q(z) in float, with z and its use depending on the branch),
// and cosf on [0, pi/3] is its FMA build (s_cosf.c's sinf_poly in double: the cosine polynomial for
// quadrant 0, the sine polynomial of pi/2 - y for quadrant 1, the fused multiply-adds where GCC put
// them in __cosf_fma). Every float of [-1, 1] was checked against the scalar calls (2 130 706 434
// inputs, no difference); trisected_cosines.cxx checks again at first use and else keeps the calls.
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace medpipe::ml {
namespace {

__m256 bitsOf(std::uint32_t bits) { return _mm256_castsi256_ps(_mm256_set1_epi32(int(bits))); }

// acosf of 8 floats in [-1, 1]: every lane takes its own branch's z, one rational and sqrt for all.
__m256 acosf8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f), two = _mm256_set1_ps(2.0f);
  const __m256 pio2Hi = bitsOf(0x3fc90fda), pio2Lo = bitsOf(0x33a22168), pi = bitsOf(0x40490fda);
  const __m256 pS0 = bitsOf(0x3e2aaaab), pS1 = bitsOf(0xbea6b090), pS2 = bitsOf(0x3e4e0aa8), pS3 = bitsOf(0xbd241146),
               pS4 = bitsOf(0x3a4f7f04), pS5 = bitsOf(0x3811ef08);
  const __m256 qS1 = bitsOf(0xc019d139), qS2 = bitsOf(0x4001572d), qS3 = bitsOf(0xbf303361), qS4 = bitsOf(0x3d9dc62e);
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i ix = _mm256_and_si256(bits, _mm256_set1_epi32(0x7fffffff));
  const __m256 small = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(0x3f000000), ix));  // |x| < 0.5
  const __m256 negative = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_setzero_si256(), bits));
  const __m256 far = _mm256_mul_ps(_mm256_blendv_ps(_mm256_sub_ps(one, x), _mm256_add_ps(one, x), negative), half);
  const __m256 z = _mm256_blendv_ps(far, _mm256_mul_ps(x, x), small);
  __m256 p = _mm256_mul_ps(z, pS5);  // p = z*(pS0+z*(pS1+z*(pS2+z*(pS3+z*(pS4+z*pS5)))))
  p = _mm256_mul_ps(z, _mm256_add_ps(pS4, p));
  p = _mm256_mul_ps(z, _mm256_add_ps(pS3, p));
  p = _mm256_mul_ps(z, _mm256_add_ps(pS2, p));
  p = _mm256_mul_ps(z, _mm256_add_ps(pS1, p));
  p = _mm256_mul_ps(z, _mm256_add_ps(pS0, p));
  __m256 q = _mm256_mul_ps(z, qS4);  // q = one+z*(qS1+z*(qS2+z*(qS3+z*qS4)))
  q = _mm256_mul_ps(z, _mm256_add_ps(qS3, q));
  q = _mm256_mul_ps(z, _mm256_add_ps(qS2, q));
  q = _mm256_mul_ps(z, _mm256_add_ps(qS1, q));
  q = _mm256_add_ps(one, q);
  const __m256 r = _mm256_div_ps(p, q);
  const __m256 s = _mm256_sqrt_ps(z);
  // |x| < 0.5: pio2_hi - (x - (pio2_lo - x*r)); below 2^-26 pio2_hi + pio2_lo
  __m256 nearZero = _mm256_sub_ps(pio2Hi, _mm256_sub_ps(x, _mm256_sub_ps(pio2Lo, _mm256_mul_ps(x, r))));
  const __m256 tiny = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(0x32800001), ix));
  nearZero = _mm256_blendv_ps(nearZero, _mm256_add_ps(pio2Hi, pio2Lo), tiny);
  // x < -0.5: pi - 2*(s + (r*s - pio2_lo))
  const __m256 below = _mm256_sub_ps(pi, _mm256_mul_ps(two, _mm256_add_ps(s, _mm256_sub_ps(_mm256_mul_ps(r, s), pio2Lo))));
  // x > 0.5: df = s with its low 12 bits cleared, c = (z - df*df)/(s + df), 2*(df + (r*s + c))
  const __m256 df = _mm256_castsi256_ps(_mm256_and_si256(_mm256_castps_si256(s), _mm256_set1_epi32(int(0xfffff000u))));
  const __m256 c = _mm256_div_ps(_mm256_sub_ps(z, _mm256_mul_ps(df, df)), _mm256_add_ps(s, df));
  const __m256 above = _mm256_mul_ps(two, _mm256_add_ps(df, _mm256_add_ps(_mm256_mul_ps(r, s), c)));
  __m256 result = _mm256_blendv_ps(_mm256_blendv_ps(above, below, negative), nearZero, small);
  // |x| = 1: 0 and pi + 2*pio2_lo
  const __m256 unit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(ix, _mm256_set1_epi32(0x3f800000)));
  const __m256 ends = _mm256_blendv_ps(_mm256_setzero_ps(), _mm256_add_ps(pi, _mm256_mul_ps(two, pio2Lo)), negative);
  return _mm256_blendv_ps(result, ends, unit);
}

// cosf of 4 floats in [0, 3 pi / 4) (the quadrant n is 0 or 1 there), as __cosf_fma.
__m128 cosf4(__m128 y) {
  const __m256d x = _mm256_cvtps_pd(y);
  const __m256d c0 = _mm256_set1_pd(0x1p0), c1 = _mm256_set1_pd(-0x1.ffffffd0c621cp-2),
                c2 = _mm256_set1_pd(0x1.55553e1068f19p-5), c3 = _mm256_set1_pd(-0x1.6c087e89a359dp-10),
                c4 = _mm256_set1_pd(0x1.99343027bf8c3p-16);
  const __m256d s1 = _mm256_set1_pd(-0x1.555545995a603p-3), s2 = _mm256_set1_pd(0x1.1107605230bc4p-7),
                s3 = _mm256_set1_pd(-0x1.994eb3774cf24p-13);
  const __m256d hpiInv = _mm256_set1_pd(0x1.45F306DC9C883p+23), hpi = _mm256_set1_pd(0x1.921FB54442D18p0);
  // n = ((int32_t)(x * hpi_inv) + 0x800000) >> 24; x - n * hpi (one rounding)
  const __m128i n =
      _mm_srai_epi32(_mm_add_epi32(_mm256_cvttpd_epi32(_mm256_mul_pd(x, hpiInv)), _mm_set1_epi32(0x800000)), 24);
  const __m256d odd = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(n, _mm_set1_epi32(1))));
  const __m256d xr = _mm256_blendv_pd(x, _mm256_sub_pd(x, hpi), odd);
  const __m256d x2 = _mm256_mul_pd(xr, xr);
  // quadrant 0: c1 = c0 + x2 c1, c2 = c3 + x2 c4, c = c1 + x4 c2, c + x6 c2 (all fused)
  const __m256d x4 = _mm256_mul_pd(x2, x2), x6 = _mm256_mul_pd(x2, x4);
  const __m256d cosine =
      _mm256_fmadd_pd(_mm256_fmadd_pd(x2, c4, c3), x6, _mm256_fmadd_pd(x4, c2, _mm256_fmadd_pd(x2, c1, c0)));
  // quadrant 1: the sine polynomial of xs = -xr: s = xs + x3 s1, s + x5 (s2 + x2 s3)
  const __m256d xs = _mm256_mul_pd(xr, _mm256_set1_pd(-1.0));
  const __m256d x3 = _mm256_mul_pd(x2, xs), x5 = _mm256_mul_pd(x2, x3);
  const __m256d sine = _mm256_fmadd_pd(_mm256_fmadd_pd(x2, s3, s2), x5, _mm256_fmadd_pd(x3, s1, xs));
  const __m128 result = _mm256_cvtpd_ps(_mm256_blendv_pd(cosine, sine, odd));
  const __m128 tiny = _mm_castsi128_ps(_mm_cmpgt_epi32(_mm_set1_epi32(0x39800000), _mm_castps_si128(y)));  // < 2^-12: 1
  return _mm_blendv_ps(result, _mm_set1_ps(1.0f), tiny);
}

}  // namespace

void trisectedCosinesAvx2(float* c, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(c + i);
    // NaN, or outside [-1, 1] (not from the clamped eigenvalue step): the scalar calls
    const __m256 inside = _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), v), _mm256_set1_ps(1.0f), _CMP_LE_OQ);
    if (_mm256_movemask_ps(inside) != 0xff) {
      for (size_t j = i; j < i + 8; ++j) c[j] = ::cosf(::acosf(c[j]) * (1.0f / 3));
      continue;
    }
    const __m256 y = _mm256_mul_ps(acosf8(v), _mm256_set1_ps(1.0f / 3));
    _mm256_storeu_ps(c + i, _mm256_set_m128(cosf4(_mm256_extractf128_ps(y, 1)), cosf4(_mm256_castps256_ps128(y))));
  }
  for (; i < n; ++i) c[i] = ::cosf(::acosf(c[i]) * (1.0f / 3));
}

}  // namespace medpipe::ml
