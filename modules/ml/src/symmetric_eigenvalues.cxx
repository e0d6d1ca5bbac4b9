// In float, Smith's closed form: with phi = acos(det(B) / 2) / 3 in [0, pi/3], q + 2p cos(phi) is the
// largest eigenvalue and q + 2p cos(phi + 2 pi / 3) the smallest.
#include "symmetric_eigenvalues.h"

#include "trisected_cosines.h"

#include <algorithm>
#include <cmath>

namespace medpipe::ml {

// Two loops vectorised (and cloned for AVX2: no fused multiply-adds in either clone, sqrt and
// division round alike at any width) around the angle step; e1..e3 double as scratch.
__attribute__((target_clones("avx2", "default"))) void symmetricEigenvalues(
    const float* __restrict xx, const float* __restrict yy, const float* __restrict zz, const float* __restrict xy,
    const float* __restrict xz, const float* __restrict yz, size_t n, float* __restrict e1, float* __restrict e2,
    float* __restrict e3) {
  for (size_t i = 0; i < n; ++i) {
    const float q = (xx[i] + yy[i] + zz[i]) * (1.0f / 3);
    const float a = xx[i] - q, b = yy[i] - q, c = zz[i] - q;
    const float p2 = a * a + b * b + c * c + 2 * (xy[i] * xy[i] + xz[i] * xz[i] + yz[i] * yz[i]);
    const float p = std::sqrt(p2 * (1.0f / 6));
    const float ip = 1 / (p2 > 0 ? p : 1.0f);  // p = 0: all eigenvalues are q (B = 0, r = 0)
    const float ba = a * ip, bb = b * ip, bc = c * ip, bxy = xy[i] * ip, bxz = xz[i] * ip, byz = yz[i] * ip;
    const float det = ba * (bb * bc - byz * byz) - bxy * (bxy * bc - byz * bxz) + bxz * (bxy * byz - bb * bxz);
    e1[i] = q, e2[i] = p, e3[i] = std::min(std::max(0.5f * det, -1.0f), 1.0f);
  }
  trisectedCosines(e3, n);  // e3[i] = cos(acos(e3[i]) / 3), 8 at a time where that gives libm's bits
  for (size_t i = 0; i < n; ++i) {
    const float q = e1[i], p = e2[i], c = e3[i];
    const float s = std::sqrt(std::max(0.0f, 1 - c * c));
    const float l1 = q + 2 * p * c, l3 = q - p * (c + 1.7320508f * s);
    e1[i] = l1, e2[i] = 3 * q - l1 - l3, e3[i] = l3;
  }
}

}  // namespace medpipe::ml
