#pragma once
// sumLeafProbabilities (forest_groups.h) for one instruction set, given as Lanes: W floats per
// vector and their load, store, compare-to-bitmask, masked add. Included by one source per instruction set,
// each with its own Lanes type in an anonymous namespace, and on plain pointers: no inline code
// shared between them (no std::vector<ForestNode>::operator[]: the linker keeps one copy of such a
// function for every source, and the one kept might be the AVX2 one).
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "forest_groups.h"

namespace medpipe::ml {

inline constexpr size_t kPrefetchAhead = 2;  // parts of a group

struct PendingWalk {  // lanes still to walk from a node
  std::int32_t node;
  LaneBits lanes;
};

// pending: room for depth + 1 walks (a walk leaves at most one behind per level). Classes: the
// number of classes when 2 to 4, the group's sums then kept in registers; 0: any number, in `sums`.
template <class Lanes, size_t Classes>
void sumLeafProbabilitiesOn(const ForestNode* const* roots, const float* const* leafProbabilities, size_t trees,
                            size_t C, const float* const* columns, size_t features, size_t count,
                            const LaneBits* laneMasks, float* sums, PendingWalk* pending) {
  // A group of G voxels walks as G / WG parts of WG (Lanes::kWalkVoxels: what its registers hold).
  constexpr size_t G = kGroupVoxels, WG = Lanes::kWalkVoxels, W = Lanes::kWidth, V = WG / W;
  constexpr LaneBits kPart = WG == 64 ? ~LaneBits(0) : (LaneBits(1) << WG) - 1;
  typename Lanes::Vector acc[Classes ? Classes : 1][V];
  for (size_t g0 = 0; g0 < count; g0 += WG) {
    // The features of the part after the next one, fetched ahead: the nodes' first reads of a part's
    // features were where the walk waited most (on memory), the prefetchers not following 30 columns
    // read in the trees' order. (A prefetch past a column's end is harmless.)
    for (size_t f = 0; f < features; ++f)
      for (size_t line = 0; line < WG; line += 16) __builtin_prefetch(columns[f] + g0 + kPrefetchAhead * WG + line);
    const size_t group = g0 / G, offset = g0 % G;
    float* sum = sums + group * C * G + offset;  // class k's sums at sum[k * G]
    if constexpr (Classes > 0) {
      for (size_t k = 0; k < Classes; ++k)
        for (size_t j = 0; j < V; ++j) acc[k][j] = Lanes::zero();
    } else {
      for (size_t k = 0; k < C; ++k)
        for (size_t j = 0; j < WG; ++j) sum[k * G + j] = 0;
    }
    const LaneBits all = (laneMasks[group] >> offset) & kPart;
    for (size_t t = 0; all && t < trees; ++t) {
      const ForestNode* nodes = roots[t];
      const float* leaves = leafProbabilities[t];
      size_t open = 0;
      pending[open++] = {0, all};
      while (open) {
        PendingWalk p = pending[--open];
        for (;;) {
          const ForestNode& node = nodes[p.node];
          if (node.left < 0) {  // every lane of p ends here: add its probabilities, in tree order (+0 elsewhere)
            const float* q = leaves + size_t(node.right) * C;
            for (size_t j = 0; j < V; ++j) {
              const auto on = Lanes::lanes(std::uint32_t(p.lanes >> (j * W)));
              if constexpr (Classes > 0) {
                for (size_t k = 0; k < Classes; ++k) acc[k][j] = Lanes::addWhere(acc[k][j], on, q[k]);
              } else {
                for (size_t k = 0; k < C; ++k) {
                  float* s = sum + k * G + j * W;
                  Lanes::store(s, Lanes::addWhere(Lanes::load(s), on, q[k]));
                }
              }
            }
            break;
          }
          const float* x = columns[node.feature] + g0;
          LaneBits left = 0;
          for (size_t j = 0; j < V; ++j) left |= LaneBits(Lanes::lessThan(x + j * W, node.threshold)) << (j * W);
          left &= p.lanes;
          const LaneBits right = p.lanes & ~left;
          if (!left) {
            p.node = node.right;
          } else if (!right) {
            p.node = node.left;
          } else {  // the group parts: the right lanes wait
            pending[open++] = {node.right, right};
            p = {node.left, left};
          }
        }
      }
    }
    if constexpr (Classes > 0)
      for (size_t k = 0; k < Classes; ++k)
        for (size_t j = 0; j < V; ++j) Lanes::store(sum + k * G + j * W, acc[k][j]);
  }
}

// The instantiation for C classes.
template <class Lanes>
void sumLeafProbabilitiesFor(const ForestNode* const* roots, const float* const* leafProbabilities, size_t trees,
                             size_t C, const float* const* columns, size_t features, size_t count,
                             const LaneBits* laneMasks, float* sums, PendingWalk* pending) {
  auto run = [&](auto classes) {
    sumLeafProbabilitiesOn<Lanes, decltype(classes)::value>(roots, leafProbabilities, trees, C, columns, features,
                                                            count, laneMasks, sums, pending);
  };
  if (C == 2)
    run(std::integral_constant<size_t, 2>());
  else if (C == 3)
    run(std::integral_constant<size_t, 3>());
  else if (C == 4)
    run(std::integral_constant<size_t, 4>());
  else
    run(std::integral_constant<size_t, 0>());
}

}  // namespace medpipe::ml
