#pragma once
// Shared core of the unsupervised tissue-class stages (kmeans-classes, gaussian-mixture,
// bayesian-classes): voxels of one to three co-registered channels inside an optional mask,
// k-means, Gaussian class models fitted by EM, and Bayesian labelling with Potts (MRF) smoothing.
//
// Determinism: every sum over voxels is taken per fixed chunk of kChunk voxels and the chunk sums
// are added in chunk order, so results are bit-identical for any thread count; the only randomness
// is the subsample k-means++ starts from, drawn from std::mt19937_64(seed).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/image.h"
#include "medpipe/core/parallel.h"
#include "medpipe/core/progress.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe::classes {

constexpr size_t kChunk = size_t(1) << 16;
constexpr size_t kSubsample = 50000;  // voxels k-means++ and its first Lloyd passes run on

// The voxels being classified: channel c of voxel i is channel[c][i]; a voxel takes part when the
// mask (if any) is non-zero there and every channel is finite.
struct Voxels {
  std::vector<const float*> channel;
  const std::uint8_t* mask = nullptr;
  size_t count = 0;
  size_t size[3] = {0, 0, 0};
  unsigned threads = 1;
  std::vector<double> scale, inverseScale2;  // per channel: spread of the inside voxels, 1/spread^2
  // One channel of whole numbers within kMaxWholeValues of each other (CT in HU, most MR as
  // stored): present[x - lowest] says some inside voxel has the value x, and a function of the
  // value (EM's responsibilities, a class's energy) is computed once per value, with the same bits
  // as once per voxel. Empty otherwise.
  long lowest = 0;
  std::vector<std::uint8_t> present;

  size_t channels() const { return channel.size(); }
  size_t valueIndex(size_t i) const { return size_t(long(channel[0][i]) - lowest); }
  bool inside(size_t i) const {
    if (mask && !mask[i]) return false;
    for (const float* c : channel)
      if (!std::isfinite(c[i])) return false;
    return true;
  }
};

// Sums width doubles over [0, count): visit(begin, end, acc) adds one chunk's voxels into acc.
// Chunk sums are added in chunk order, whatever thread computed them.
template <typename Visit>
std::vector<double> reduceChunks(const Voxels& v, size_t width, const Visit& visit) {
  const size_t chunks = (v.count + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks * width, 0.0);
  forEachPart(chunks, v.threads, [&](size_t begin, size_t end) {
    for (size_t c = begin; c < end; ++c) visit(c * kChunk, std::min(v.count, (c + 1) * kChunk), &partial[c * width]);
  });
  std::vector<double> total(width, 0.0);
  for (size_t c = 0; c < chunks; ++c)
    for (size_t w = 0; w < width; ++w) total[w] += partial[c * width + w];
  return total;
}

// Per-channel standard deviation over the inside voxels: k-means distances are in these units so
// channels of different scales weigh alike.
inline void measureScales(Voxels& v) {
  const size_t C = v.channels();
  std::vector<double> first(C);
  for (size_t i = 0; i < v.count; ++i)  // a reference value per channel keeps the sums of squares exact
    if (v.inside(i)) {
      for (size_t c = 0; c < C; ++c) first[c] = v.channel[c][i];
      break;
    }
  const auto s = reduceChunks(v, 1 + 2 * C, [&](size_t b, size_t e, double* acc) {
    for (size_t i = b; i < e; ++i) {
      if (!v.inside(i)) continue;
      acc[0] += 1;
      for (size_t c = 0; c < C; ++c) {
        const double d = v.channel[c][i] - first[c];
        acc[1 + c] += d, acc[1 + C + c] += d * d;
      }
    }
  });
  v.scale.assign(C, 1.0), v.inverseScale2.assign(C, 1.0);
  for (size_t c = 0; c < C && s[0] > 0; ++c) {
    const double mean = s[1 + c] / s[0], var = s[1 + C + c] / s[0] - mean * mean;
    v.scale[c] = var > 0 ? std::sqrt(var) : 1.0;
    v.inverseScale2[c] = 1.0 / (v.scale[c] * v.scale[c]);
  }
}

constexpr long kMaxWholeValues = long(1) << 16;

// Fills v.lowest and v.present when one channel holds only whole numbers within kMaxWholeValues.
inline void findWholeValues(Voxels& v) {
  if (v.channels() != 1) return;
  struct Range {
    float lowest = std::numeric_limits<float>::infinity(), highest = -std::numeric_limits<float>::infinity();
    bool whole = true;
  };
  Range all;
  std::mutex merge;
  forEachPart(v.count, v.threads, [&](size_t b, size_t e) {
    Range r;
    for (size_t i = b; i < e; ++i) {
      if (!v.inside(i)) continue;
      const float x = v.channel[0][i];
      r.lowest = std::min(r.lowest, x), r.highest = std::max(r.highest, x);
      r.whole = r.whole && x == std::nearbyint(x);
    }
    std::lock_guard<std::mutex> lock(merge);
    all.lowest = std::min(all.lowest, r.lowest), all.highest = std::max(all.highest, r.highest), all.whole &= r.whole;
  });
  const bool small = all.lowest > -1e9f && all.highest < 1e9f;  // whole numbers a long holds exactly
  if (!all.whole || !small || !(all.lowest <= all.highest) ||
      double(all.highest) - double(all.lowest) >= double(kMaxWholeValues))
    return;
  v.lowest = long(all.lowest);
  v.present.assign(size_t(long(all.highest) - v.lowest + 1), 0);
  for (size_t i = 0; i < v.count; ++i)
    if (v.inside(i)) v.present[v.valueIndex(i)] = 1;
}

// Gathers the named image inputs ("image", "image2", "image3") and the optional "mask", checking
// that they share the first image's voxel grid.
inline Voxels gatherVoxels(const StageInputs& in, const std::string& stage) {
  Voxels v;
  const auto& first = in.at("image").image;
  const auto size = first->GetLargestPossibleRegion().GetSize();
  for (unsigned d = 0; d < 3; ++d) v.size[d] = size[d];
  v.count = size[0] * size[1] * size[2];
  v.channel.push_back(first->GetBufferPointer());
  for (const char* name : {"image2", "image3"}) {
    const auto it = in.find(name);
    if (it == in.end() || !it->second.image) continue;
    requireSameGrid(*first, *it->second.image, stage, name);
    v.channel.push_back(it->second.image->GetBufferPointer());
  }
  const auto mask = in.find("mask");
  if (mask != in.end() && mask->second.labels) {
    requireSameGrid(*first, *mask->second.labels, stage, "mask");
    v.mask = mask->second.labels->GetBufferPointer();
  }
  v.threads = workerThreadCount();
  measureScales(v);
  findWholeValues(v);
  return v;
}

inline std::vector<InputSpec> classInputs() {
  return {{"image", DataKind::Image, "image to classify (first channel: labels are ordered by its class means)"},
          {"image2", DataKind::Image, "second channel on the same voxel grid, e.g. T2 beside T1", true},
          {"image3", DataKind::Image, "third channel on the same voxel grid, e.g. a gradient magnitude", true},
          {"mask", DataKind::Labels, "non-zero = voxels to classify (the rest get label 0)", true}};
}

inline ParameterSpec classesParameter() {
  return ParameterSpec::integer("classes", 3, 2, 10,
                                "number of classes N; labels 1..N from darkest (first channel) up");
}
inline ParameterSpec seedParameter() {
  return ParameterSpec::integer("seed", 1, 0, 999999,
                                "seed of the voxel subsample k-means++ starts from: the same seed, the same labels");
}

inline size_t insideCount(const Voxels& v) {
  return size_t(reduceChunks(v, 1, [&](size_t b, size_t e, double* acc) {
    for (size_t i = b; i < e; ++i) acc[0] += v.inside(i);
  })[0]);
}

// Class means, K x C row-major.
using Means = std::vector<double>;

inline size_t nearest(const Voxels& v, size_t i, const Means& means) {
  const size_t C = v.channels(), K = means.size() / C;
  size_t best = 0;
  double bestD = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < K; ++k) {
    double d = 0;
    for (size_t c = 0; c < C; ++c) {
      const double t = v.channel[c][i] - means[k * C + c];
      d += t * t * v.inverseScale2[c];
    }
    if (d < bestD) bestD = d, best = k;
  }
  return best;
}

// The initial means: k-means++ on a seeded subsample of the inside voxels, refined by Lloyd passes
// on that subsample. Throws when there are fewer inside voxels than classes.
inline Means initialMeans(const Voxels& v, size_t K, unsigned long seed, const std::string& stage) {
  const size_t C = v.channels(), inside = insideCount(v);
  if (inside < K)
    throw Error("", stage + ".classes",
                std::to_string(K) + " classes but only " + std::to_string(inside) +
                    " voxels to classify (inside the mask, finite)");
  std::mt19937_64 random(seed);
  std::vector<size_t> sample;
  if (inside <= kSubsample) {
    for (size_t i = 0; i < v.count; ++i)
      if (v.inside(i)) sample.push_back(i);
  } else {  // rejection sampling; a sparse mask falls back to every k-th inside voxel
    std::uniform_int_distribution<size_t> any(0, v.count - 1);
    for (size_t tries = 0; sample.size() < kSubsample && tries < 50 * kSubsample; ++tries) {
      const size_t i = any(random);
      if (v.inside(i)) sample.push_back(i);
    }
    if (sample.size() < kSubsample) {
      sample.clear();
      const size_t step = inside / kSubsample;
      for (size_t i = 0, n = 0; i < v.count; ++i)
        if (v.inside(i) && n++ % step == 0) sample.push_back(i);
    }
  }
  // k-means++: each next centre drawn with probability proportional to squared distance.
  Means means;
  const auto take = [&](size_t i) {
    for (size_t c = 0; c < C; ++c) means.push_back(v.channel[c][i]);
  };
  take(sample[std::uniform_int_distribution<size_t>(0, sample.size() - 1)(random)]);
  std::vector<double> d2(sample.size());
  while (means.size() < K * C) {
    double total = 0;
    for (size_t s = 0; s < sample.size(); ++s) {
      const size_t k = nearest(v, sample[s], means);
      double d = 0;
      for (size_t c = 0; c < C; ++c) {
        const double t = v.channel[c][sample[s]] - means[k * C + c];
        d += t * t * v.inverseScale2[c];
      }
      total += (d2[s] = d);
    }
    if (total <= 0) {  // fewer distinct values than classes: duplicate a centre, the class stays empty
      take(sample[0]);
      continue;
    }
    double pick = std::uniform_real_distribution<double>(0, total)(random);
    size_t s = 0;
    while (s + 1 < sample.size() && (pick -= d2[s]) > 0) ++s;
    take(sample[s]);
  }
  for (int pass = 0; pass < 50; ++pass) {
    std::vector<double> sum(K * (C + 1), 0.0);
    for (size_t i : sample) {
      const size_t k = nearest(v, i, means);
      sum[k * (C + 1)] += 1;
      for (size_t c = 0; c < C; ++c) sum[k * (C + 1) + 1 + c] += v.channel[c][i];
    }
    Means next = means;
    for (size_t k = 0; k < K; ++k)
      if (sum[k * (C + 1)] > 0)
        for (size_t c = 0; c < C; ++c) next[k * C + c] = sum[k * (C + 1) + 1 + c] / sum[k * (C + 1)];
    if (next == means) break;
    means = next;
  }
  return means;
}

// initialMeans with the stage's `classes` and `seed` parameters.
inline Means initialMeans(const Voxels& v, const ParameterValues& p, const std::string& stage) {
  return initialMeans(v, size_t(p.integer("classes")), static_cast<unsigned long>(p.integer("seed")), stage);
}

// Lloyd's k-means on every inside voxel from `means` until the means stay put (or maxIterations).
inline Means kmeans(const Voxels& v, Means means, long maxIterations, const Progress& progress) {
  const size_t C = v.channels(), K = means.size() / C;
  for (long iteration = 0; iteration < maxIterations; ++iteration) {
    progress.report(double(iteration) / maxIterations, "k-means");
    // Sums of x - old mean: exact in double even for 10^8 voxels of large values.
    const auto s = reduceChunks(v, K * (C + 1), [&](size_t b, size_t e, double* acc) {
      for (size_t i = b; i < e; ++i) {
        if (!v.inside(i)) continue;
        const size_t k = nearest(v, i, means);
        acc[k * (C + 1)] += 1;
        for (size_t c = 0; c < C; ++c) acc[k * (C + 1) + 1 + c] += v.channel[c][i] - means[k * C + c];
      }
    });
    // Converged once no mean moves by 1e-7 of its channel's spread: the assignments are then
    // stable, and waiting for exact equality could chase the last bit of the sums forever.
    double moved = 0;
    for (size_t k = 0; k < K; ++k)
      if (s[k * (C + 1)] > 0)
        for (size_t c = 0; c < C; ++c) {
          const double step = s[k * (C + 1) + 1 + c] / s[k * (C + 1)];
          means[k * C + c] += step;
          moved = std::max(moved, std::abs(step) / v.scale[c]);
        }
    if (moved < 1e-7) break;
  }
  return means;
}

// Gaussian class models: weight, mean and full covariance per class, with what evaluating the
// log density needs (inverse of the covariance's Cholesky factor, log normalisation).
struct Gaussians {
  size_t K = 0, C = 0;
  std::vector<double> logWeight, mean, covariance;  // K; K x C; K x C x C
  std::vector<double> choleskyInverse, logNorm;     // K x C x C (lower triangular); K

  // Factorises each covariance (its diagonal at least `floor`) for logDensity.
  void prepare(const std::vector<double>& floor) {
    choleskyInverse.assign(K * C * C, 0.0);
    logNorm.assign(K, 0.0);
    for (size_t k = 0; k < K; ++k) {
      std::vector<double> a(covariance.begin() + k * C * C, covariance.begin() + (k + 1) * C * C), l(C * C, 0.0);
      for (size_t c = 0; c < C; ++c) a[c * C + c] = std::max(a[c * C + c], floor[c]);
      for (size_t i = 0; i < C; ++i)
        for (size_t j = 0; j <= i; ++j) {
          double s = a[i * C + j];
          for (size_t m = 0; m < j; ++m) s -= l[i * C + m] * l[j * C + m];
          l[i * C + j] = i == j ? std::sqrt(std::max(s, floor[i])) : s / l[j * C + j];
        }
      double logDet = 0;
      for (size_t c = 0; c < C; ++c) logDet += 2 * std::log(l[c * C + c]);
      double* inv = &choleskyInverse[k * C * C];  // forward substitution, column by column
      for (size_t col = 0; col < C; ++col)
        for (size_t i = col; i < C; ++i) {
          double s = i == col ? 1.0 : 0.0;
          for (size_t m = col; m < i; ++m) s -= l[i * C + m] * inv[m * C + col];
          inv[i * C + col] = s / l[i * C + i];
        }
      logNorm[k] = -0.5 * (logDet + double(C) * std::log(2 * M_PI));
    }
  }

  // log(weight_k * N(x | mean_k, covariance_k)), or without the weight.
  double logDensity(size_t k, const double* x, bool withWeight = true) const {
    double d[3], q = 0;
    for (size_t c = 0; c < C; ++c) d[c] = x[c] - mean[k * C + c];
    const double* inv = &choleskyInverse[k * C * C];
    for (size_t i = 0; i < C; ++i) {
      double y = 0;
      for (size_t m = 0; m <= i; ++m) y += inv[i * C + m] * d[m];
      q += y * y;
    }
    return (withWeight ? logWeight[k] : 0.0) + logNorm[k] - 0.5 * q;
  }
};

inline void load(const Voxels& v, size_t i, double* x) {
  for (size_t c = 0; c < v.channels(); ++c) x[c] = v.channel[c][i];
}

// f(x, row) with `width` doubles per row for each value present (see Voxels::present); empty where
// the voxels' values are not whole. Row of voxel i: &table[v.valueIndex(i) * width].
template <typename F>
std::vector<double> tabulate(const Voxels& v, size_t width, F f) {
  std::vector<double> table(v.present.size() * width);
  for (size_t u = 0; u < v.present.size(); ++u) {
    if (!v.present[u]) continue;
    const double x = double(v.lowest + long(u));
    f(&x, &table[u * width]);
  }
  return table;
}

// A tiny variance floor (1e-6 of each channel's spread) keeps a class of constant voxels usable.
inline std::vector<double> varianceFloor(const Voxels& v) {
  auto floor = v.scale;
  for (auto& f : floor) f = 1e-6 * f * f;
  return floor;
}

// Gaussians of the k-means partition (hard assignment to the nearest mean), weights = class shares:
// what ITK's BayesianClassifierInitializationImageFilter builds from its k-means.
inline Gaussians gaussiansOfPartition(const Voxels& v, const Means& means) {
  const size_t C = v.channels(), K = means.size() / C, W = 1 + C + C * C;
  const auto s = reduceChunks(v, K * W, [&](size_t b, size_t e, double* acc) {
    for (size_t i = b; i < e; ++i) {
      if (!v.inside(i)) continue;
      const size_t k = nearest(v, i, means);
      double* a = acc + k * W;
      double d[3];
      for (size_t c = 0; c < C; ++c) d[c] = v.channel[c][i] - means[k * C + c];
      a[0] += 1;
      for (size_t c = 0; c < C; ++c) {
        a[1 + c] += d[c];
        for (size_t c2 = 0; c2 < C; ++c2) a[1 + C + c * C + c2] += d[c] * d[c2];
      }
    }
  });
  Gaussians g;
  g.K = K, g.C = C, g.mean = means, g.logWeight.resize(K), g.covariance.assign(K * C * C, 0.0);
  double total = 0;
  for (size_t k = 0; k < K; ++k) total += s[k * W];
  for (size_t k = 0; k < K; ++k) {
    const double* a = &s[k * W];
    const double n = std::max(a[0], 1.0);
    g.logWeight[k] = std::log(n / total);
    for (size_t c = 0; c < C; ++c) g.mean[k * C + c] += a[1 + c] / n;
    for (size_t c = 0; c < C; ++c)
      for (size_t c2 = 0; c2 < C; ++c2)
        g.covariance[k * C * C + c * C + c2] = a[1 + C + c * C + c2] / n - (a[1 + c] / n) * (a[1 + c2] / n);
  }
  g.prepare(varianceFloor(v));
  return g;
}

// EM for a Gaussian mixture from `g` until the mean log likelihood per voxel changes by less than
// `tolerance` (or maxIterations).
inline Gaussians expectationMaximisation(const Voxels& v, Gaussians g, long maxIterations, double tolerance,
                                         const Progress& progress) {
  const size_t C = g.C, K = g.K, W = 1 + C + C * C;
  const auto floor = varianceFloor(v);
  double previous = -std::numeric_limits<double>::infinity();
  // The responsibilities r[0..K) of voxel value x, and r[K] = its log likelihood.
  const auto responsibilities = [&](const double* x, double* r) {
    double top = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < K; ++k) top = std::max(top, r[k] = g.logDensity(k, x));
    double sum = 0;
    for (size_t k = 0; k < K; ++k) sum += (r[k] = std::exp(r[k] - top));
    for (size_t k = 0; k < K; ++k) r[k] /= sum;
    r[K] = top + std::log(sum);
  };
  for (long iteration = 0; iteration < maxIterations; ++iteration) {
    progress.report(double(iteration) / maxIterations, "EM");
    const auto table = tabulate(v, K + 1, responsibilities);
    const auto s = reduceChunks(v, K * W + 2, [&](size_t b, size_t e, double* acc) {
      double x[3], own[17];
      for (size_t i = b; i < e; ++i) {
        if (!v.inside(i)) continue;
        load(v, i, x);
        const double* p = own;
        if (table.empty())
          responsibilities(x, own);
        else
          p = &table[v.valueIndex(i) * (K + 1)];
        acc[K * W] += p[K], acc[K * W + 1] += 1;
        for (size_t k = 0; k < K; ++k) {  // sums of r, r (x - mean), r (x - mean)(x - mean)^T
          const double r = p[k];
          double* a = acc + k * W;
          double d[3];
          for (size_t c = 0; c < C; ++c) d[c] = x[c] - g.mean[k * C + c];
          a[0] += r;
          for (size_t c = 0; c < C; ++c) {
            a[1 + c] += r * d[c];
            for (size_t c2 = 0; c2 < C; ++c2) a[1 + C + c * C + c2] += r * d[c] * d[c2];
          }
        }
      }
    });
    const double n = s[K * W + 1], logLikelihood = s[K * W] / n;
    for (size_t k = 0; k < K; ++k) {
      const double* a = &s[k * W];
      const double r = std::max(a[0], 1e-12);
      g.logWeight[k] = std::log(std::max(a[0] / n, 1e-300));
      double d[3];
      for (size_t c = 0; c < C; ++c) d[c] = a[1 + c] / r;
      for (size_t c = 0; c < C; ++c) {
        g.mean[k * C + c] += d[c];
        for (size_t c2 = 0; c2 < C; ++c2)
          g.covariance[k * C * C + c * C + c2] = a[1 + C + c * C + c2] / r - d[c] * d[c2];
      }
    }
    g.prepare(floor);
    if (std::abs(logLikelihood - previous) < tolerance) break;
    previous = logLikelihood;
  }
  return g;
}

// Label k+1 for class k, renumbered so label 1 has the lowest first-channel mean.
inline std::vector<std::uint8_t> labelOrder(const Means& means, size_t C) {
  const size_t K = means.size() / C;
  std::vector<size_t> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return means[a * C] < means[b * C]; });
  std::vector<std::uint8_t> label(K);
  for (size_t rank = 0; rank < K; ++rank) label[order[rank]] = static_cast<std::uint8_t>(rank + 1);
  return label;
}

inline LabelImage::Pointer newLabels(const ImageF& like) {
  auto out = LabelImage::New();
  out->CopyInformation(&like);
  out->SetRegions(like.GetLargestPossibleRegion());
  out->Allocate();
  return out;
}

// Nearest-mean labels (k-means).
inline LabelImage::Pointer nearestMeanLabels(const Voxels& v, const Means& means, const ImageF& like) {
  const auto label = labelOrder(means, v.channels());
  auto out = newLabels(like);
  std::uint8_t* o = out->GetBufferPointer();
  forEachPart(v.count, v.threads, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) o[i] = v.inside(i) ? label[nearest(v, i, means)] : 0;
  });
  return out;
}

// Maximum a posteriori labels under `g` (weights as priors; `uniformPriors` drops them), then
// `smoothingIterations` checkerboard ICM sweeps of a Potts model: each voxel takes the class that
// minimises -log posterior + beta x (6-neighbours of another class). Voxels of one parity of i+j+k
// only have neighbours of the other, so each half-sweep is order-free and thread-count-free.
inline LabelImage::Pointer bayesianLabels(const Voxels& v, const Gaussians& g, bool uniformPriors,
                                          long smoothingIterations, double beta, const ImageF& like,
                                          const Progress& progress) {
  const size_t K = g.K;
  const auto label = labelOrder(g.mean, g.C);
  std::vector<std::uint8_t> classOf(K + 1, 0);  // label -> class
  for (size_t k = 0; k < K; ++k) classOf[label[k]] = static_cast<std::uint8_t>(k);
  auto out = newLabels(like);
  std::uint8_t* o = out->GetBufferPointer();
  const auto classEnergies = [&](const double* x, double* e) {
    for (size_t k = 0; k < K; ++k) e[k] = -g.logDensity(k, x, !uniformPriors);
  };
  const auto table = tabulate(v, K, classEnergies);
  const auto energy = [&](size_t i, double* e) {
    if (!table.empty()) {
      std::copy_n(&table[v.valueIndex(i) * K], K, e);
      return;
    }
    double x[3];
    load(v, i, x);
    classEnergies(x, e);
  };
  forEachPart(v.count, v.threads, [&](size_t b, size_t e) {
    double en[16];
    for (size_t i = b; i < e; ++i) {
      if (!v.inside(i)) {
        o[i] = 0;
        continue;
      }
      energy(i, en);
      o[i] = label[std::min_element(en, en + K) - en];
    }
  });
  // With the energies tabulated, also each energy plus beta added n = 0..6 times, in order, as the
  // sweep below adds it once per labelled neighbour of another class: the same bits, looked up.
  constexpr size_t kCounts = 7;
  std::vector<double> withNeighbours(table.size() * kCounts);
  for (size_t r = 0; r < table.size(); ++r) {
    double e = table[r];
    for (size_t n = 0; n < kCounts; ++n, e += beta) withNeighbours[r * kCounts + n] = e;
  }
  const size_t nx = v.size[0], ny = v.size[1], nz = v.size[2];
  for (long sweep = 0; sweep < smoothingIterations; ++sweep) {
    progress.report(double(sweep) / smoothingIterations, "MRF smoothing");
    for (size_t parity = 0; parity < 2; ++parity)
      forEachPart(nz, v.threads, [&](size_t z0, size_t z1) {
        double en[16];
        for (size_t z = z0; z < z1; ++z)
          for (size_t y = 0; y < ny; ++y)
            for (size_t x = (z + y + parity) % 2; x < nx; x += 2) {
              const size_t i = (z * ny + y) * nx + x;
              if (!o[i]) continue;
              // visit(class) for each of the six neighbours that exists and is labelled, in order.
              const auto forLabelledNeighbours = [&](auto visit) {
                const auto neighbour = [&](bool exists, size_t j) {
                  if (exists && o[j]) visit(classOf[o[j]]);
                };
                neighbour(x > 0, i - 1), neighbour(x + 1 < nx, i + 1);
                neighbour(y > 0, i - nx), neighbour(y + 1 < ny, i + nx);
                neighbour(z > 0, i - nx * ny), neighbour(z + 1 < nz, i + nx * ny);
              };
              if (!table.empty()) {  // en[c] = energy + beta x (labelled neighbours not of class c)
                std::uint8_t labelled = 0, ofClass[16] = {};  // 16 bytes: one store to clear
                forLabelledNeighbours([&](size_t k) { ++labelled, ++ofClass[k]; });
                const double* row = &withNeighbours[v.valueIndex(i) * K * kCounts];
                for (size_t c = 0; c < K; ++c) en[c] = row[c * kCounts + labelled - ofClass[c]];
              } else {
                energy(i, en);
                forLabelledNeighbours([&](size_t k) {
                  for (size_t c = 0; c < K; ++c)
                    if (c != k) en[c] += beta;
                });
              }
              o[i] = label[std::min_element(en, en + K) - en];
            }
      });
  }
  return out;
}

}  // namespace medpipe::classes
