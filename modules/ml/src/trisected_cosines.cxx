// trisectedCosines: the AVX2 + FMA replica of glibc's acosf and cosf (trisected_cosines_avx2.cxx)
// where it gives the scalar calls' bits, else the calls.
#include "trisected_cosines.h"

#include "medpipe/ml/voxel_classifier.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace medpipe::ml {

void trisectedCosinesAvx2(float* c, size_t n);  // trisected_cosines_avx2.cxx

namespace {

float scalar(float c) { return std::cos(std::acos(c) * (1.0f / 3)); }

float fromBits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

size_t mismatches(const std::vector<float>& inputs) {
  std::vector<float> vector = inputs;
  trisectedCosinesAvx2(vector.data(), vector.size());
  size_t different = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const float expected = scalar(inputs[i]);
    different += std::memcmp(&expected, &vector[i], sizeof expected) != 0;
  }
  return different;
}

// Every stride-th bit pattern of [0, 1] and of [-1, -0].
std::vector<float> everyStride(unsigned stride) {
  std::vector<float> inputs;
  for (std::uint32_t sign : {0u, 0x80000000u})
    for (std::uint64_t bits = 0; bits <= 0x3f800000u; bits += stride) inputs.push_back(fromBits(std::uint32_t(bits) | sign));
  return inputs;
}

// The check at first use: 2^16 patterns across all exponents, evenly spaced values, and the
// neighbours of every branch point (|x| = 2^-26, 0.5, 1; angles 2^-12, 0.75 and pi/4 rad).
bool replicaAgrees() {
  std::vector<float> inputs = everyStride(0x3f800000u / 32768);
  for (int i = 0; i <= 65536; ++i) inputs.push_back(float(-1.0 + i / 32768.0));
  for (float edge : {0x1p-26f, 0.5f, 1.0f, std::cos(3 * 0x1p-12f), std::cos(2.25f), std::cos(2.3561945f)})
    for (float x : {edge, -edge}) {
      float f = x;
      for (int k = 0; k < 64; ++k) f = std::nextafter(f, 2.0f), inputs.push_back(f);
      f = x;
      for (int k = 0; k < 64; ++k) f = std::nextafter(f, -2.0f), inputs.push_back(f);
      inputs.push_back(x);
    }
  return mismatches(inputs) == 0;
}

bool vectorised() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && replicaAgrees();
  return yes;
}

}  // namespace

void trisectedCosines(float* c, size_t n) {
  if (vectorised())
    trisectedCosinesAvx2(c, n);
  else
    for (size_t i = 0; i < n; ++i) c[i] = scalar(c[i]);
}

size_t eigenAngleMismatchesForTesting(unsigned stride) {
  return vectorised() ? mismatches(everyStride(stride)) : size_t(-1);
}

}  // namespace medpipe::ml
