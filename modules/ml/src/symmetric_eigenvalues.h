#pragma once
// Eigenvalues of symmetric 3x3 matrices, many at once: the structure tensor's and the Hessian's
// feature columns. Private to the ml module.
#include <cstddef>

namespace medpipe::ml {

// Eigenvalues of the n matrices (xx[i], yy[i], zz[i], xy[i], xz[i], yz[i]), largest first, in
// e1[i] >= e2[i] >= e3[i]; the outputs must not overlap the inputs.
void symmetricEigenvalues(const float* xx, const float* yy, const float* zz, const float* xy, const float* xz,
                          const float* yz, size_t n, float* e1, float* e2, float* e3);

}  // namespace medpipe::ml
