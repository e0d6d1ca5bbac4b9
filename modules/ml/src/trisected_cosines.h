#pragma once
// c -> cosf(acosf(c) * (1.0f / 3)): the angle step of the eigenvalues' closed form, the bits glibc's
// scalar calls give, 8 at a time where that can be shown. Private to the ml module.
#include <cstddef>

namespace medpipe::ml {

// Replaces each c[i] by cosf(acosf(c[i]) * (1.0f / 3)), bit for bit as the scalar calls.
void trisectedCosines(float* c, size_t n);

// Whether trisectedCosines runs 8 at a time here: on AVX2 and FMA CPUs (where glibc's cosf is its
// FMA variant), once a check of the vector code against the scalar calls on 140 000 inputs across
// every branch of both functions has passed; else the scalar calls themselves.
bool trisectedCosinesVectorised();

// Every stride-th float of [-1, 1] (both signs, by bit pattern) through the vector code and the
// scalar calls: the inputs whose bits differ (0 expected; also 0 where not vectorised).
size_t trisectedCosinesMismatches(unsigned stride);

}  // namespace medpipe::ml
