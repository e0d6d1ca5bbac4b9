// MR quality metrics as MRIQC defines them (mriqc/qc/anatomical.py and the
// StructuralQC interface that calls it), template-free: head mask and tissue
// classes from the image itself.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "quality_metrics.h"
#include "quality_support.h"

namespace medpipe::quality {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDietrichFactor = 0.6551364;  // MRIQC's 1 / sqrt(2 / (4 - pi))

struct ClassStats {
  double n = 0, median = kNaN, sd = kNaN, mad = kNaN;
};

// Three selections over the values (air: most of the volume), each one uncancellable step.
ClassStats statsOf(const std::vector<double>& v, const Progress& progress) {
  ClassStats s;
  s.n = double(v.size());
  progress.throwIfCancelled();
  s.median = median(v);
  progress.throwIfCancelled();
  s.sd = standardDeviation(v, 0);
  progress.throwIfCancelled();
  s.mad = normalizedMad(v);
  return s;
}

// scipy.ndimage.binary_erosion / binary_dilation with the 6-neighbour cross;
// outside the grid is 0.
std::vector<std::uint8_t> crossMorphology(const std::vector<std::uint8_t>& in, const Grid& g, bool erode,
                                          const Progress& progress) {
  std::vector<std::uint8_t> out(in.size());
  for (size_t z = 0; z < g.nz; ++z) {
    progress.throwIfCancelled();
    for (size_t y = 0; y < g.ny; ++y)
      for (size_t x = 0; x < g.nx; ++x) {
        const size_t i = g.index(x, y, z);
        const std::array<std::pair<bool, size_t>, 6> n{{{x > 0, i - 1},
                                                        {x + 1 < g.nx, i + 1},
                                                        {y > 0, i - g.nx},
                                                        {y + 1 < g.ny, i + g.nx},
                                                        {z > 0, i - g.nx * g.ny},
                                                        {z + 1 < g.nz, i + g.nx * g.ny}}};
        bool v = in[i];
        for (const auto& [inside, j] : n) {
          const bool value = inside && in[j];
          v = erode ? (v && value) : (v || value);
        }
        out[i] = v;
      }
  }
  return out;
}

// AFNI's (Forman 1995) FWHM along `axis` in voxels from the variance of the
// image in the head and of the differences of neighbouring head voxels.
double fwhmAlong(const std::vector<double>& x, const std::vector<std::uint8_t>& head, const Grid& g, int axis,
                 const Progress& progress) {
  const size_t step = axis == 0 ? 1 : axis == 1 ? g.nx : g.nx * g.ny;
  std::vector<double> values, differences;
  for (size_t z = 0; z < g.nz; ++z) {
    progress.throwIfCancelled();
    for (size_t y = 0; y < g.ny; ++y)
      for (size_t xi = 0; xi < g.nx; ++xi) {
        const size_t i = g.index(xi, y, z);
        if (!head[i]) continue;
        values.push_back(x[i]);
        const bool last = axis == 0 ? xi + 1 == g.nx : axis == 1 ? y + 1 == g.ny : z + 1 == g.nz;
        if (!last && head[i + step]) differences.push_back(x[i + step] - x[i]);
      }
  }
  const double varX = std::pow(standardDeviation(values, 0), 2), varD = std::pow(standardDeviation(differences, 0), 2);
  const double rho = 1 - varD / (2 * varX);
  if (!(rho > 0 && rho < 1)) return kNaN;
  return std::sqrt(-2 * std::log(2.0) / std::log(rho));
}

}  // namespace

LabelTable mrMetrics(const ImageF& image, const LabelImage* labels, const ImageF* corrected, const MrOptions& options,
                     const Progress& progress) {
  const Grid g = gridOf(image);
  const float* source = corrected ? corrected->GetBufferPointer() : image.GetBufferPointer();
  std::vector<double> x(g.voxels());
  forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) x[i] = std::max(0.0, double(source[i]));  // MRIQC clips negatives
  });

  // Tissue: 0 outside the head, 1 CSF, 2 GM, 3 WM.
  std::vector<std::uint8_t> tissue(g.voxels(), 0);
  if (labels) {
    std::copy(labels->GetBufferPointer(), labels->GetBufferPointer() + g.voxels(), tissue.begin());
  } else {
    std::vector<float> clipped(x.begin(), x.end());
    const auto head = bodyMask(clipped.data(), g, otsuThreshold(x), progress);
    std::vector<double> inside;
    forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (head[i]) inside.push_back(x[i]);
    });
    const auto classes = kMeansClasses(inside, 3, progress);
    size_t k = 0;
    for (size_t i = 0; i < x.size(); ++i)
      if (head[i]) tissue[i] = static_cast<std::uint8_t>(options.t2Contrast ? 3 - classes[k++] : 1 + classes[k++]);
  }

  std::array<std::vector<double>, 4> byClass;  // 0 = air (outside the head)
  std::vector<double> headValues, airValues;
  std::vector<std::uint8_t> head(g.voxels());
  forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      head[i] = tissue[i] != 0;
      if (tissue[i] <= 3) byClass[tissue[i]].push_back(x[i]);
      (head[i] ? headValues : airValues).push_back(x[i] * x[i]);
    }
  });
  const ClassStats air = statsOf(byClass[0], progress), csf = statsOf(byClass[1], progress),
                   gm = statsOf(byClass[2], progress), wm = statsOf(byClass[3], progress);

  auto snr = [](const ClassStats& s) { return s.median / (s.sd * std::sqrt(s.n / (s.n - 1))); };
  auto snrd = [&](const ClassStats& s) {
    if (air.mad > 1.0) return kDietrichFactor * s.median / air.mad;
    return air.sd > 1e-3 ? kDietrichFactor * s.median / air.sd : -1.0;
  };
  const double snrCsf = snr(csf), snrGm = snr(gm), snrWm = snr(wm);
  const double snrdCsf = snrd(csf), snrdGm = snrd(gm), snrdWm = snrd(wm);
  const double cnr = std::abs(wm.median - gm.median) / std::sqrt(air.sd * air.sd + gm.sd * gm.sd + wm.sd * wm.sd);
  const double cjv = (wm.mad + gm.mad) / std::abs(wm.median - gm.median);
  progress.throwIfCancelled();
  const double backgroundEnergy = median(airValues);
  progress.throwIfCancelled();
  const double fber = airValues.empty() || backgroundEnergy < 1e-3 ? -1.0 : median(headValues) / backgroundEnergy;

  const double n = double(x.size());
  double energy = 0;
  forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) energy += x[i] * x[i];
  });
  const double bMax = std::sqrt(energy), efcMax = n * (1 / std::sqrt(n)) * std::log(1 / std::sqrt(n));
  double entropy = 0;
  forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) entropy += (x[i] / bMax) * std::log((x[i] + 1e-16) / bMax);
  });
  const double efc = entropy / efcMax;
  const double wm2max = wm.median / percentile(x, 99.95);

  // QI1: background voxels brighter than `qi1ZScore` MADs of the positive
  // background, opened.
  double qi1 = -1;
  if (!byClass[0].empty()) {
    std::vector<double> positive;
    for (double v : byClass[0])
      if (v > 0) positive.push_back(v);
    std::vector<std::uint8_t> artefact(g.voxels(), 0);
    if (positive.size() >= 10) {
      const double spread = normalizedMad(positive);
      forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) artefact[i] = !head[i] && x[i] > 0 && x[i] / spread > options.qi1ZScore;
      });
      artefact = crossMorphology(crossMorphology(artefact, g, true, progress), g, false, progress);
    }
    qi1 = double(std::count(artefact.begin(), artefact.end(), 1)) / double(byClass[0].size());
  }

  const double fwhmX = fwhmAlong(x, head, g, 0, progress), fwhmY = fwhmAlong(x, head, g, 1, progress),
               fwhmZ = fwhmAlong(x, head, g, 2, progress);

  double inuRange = kNaN, inuMedian = kNaN;
  if (corrected) {
    std::vector<double> bias;
    const float* raw = image.GetBufferPointer();
    forEachBlock(x.size(), kVoxelsPerCancelCheck, progress, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (head[i] && source[i] > 0) bias.push_back(double(raw[i]) / double(source[i]));
    });
    inuRange = std::abs(percentile(bias, 95) - percentile(bias, 5));
    inuMedian = median(bias);
  }

  LabelTable table;
  table.columns = {"slice",    "modality", "head-voxels", "snr",    "snr-csf",  "snr-gm",    "snr-wm",    "snrd",
                   "snrd-csf", "snrd-gm",  "snrd-wm",     "cnr",    "cjv",      "efc",       "fber",      "wm2max",
                   "qi1",      "fwhm-x",   "fwhm-y",      "fwhm-z", "fwhm-avg", "inu-range", "inu-median"};
  table.rows.push_back({-1,
                        2,
                        double(headValues.size()),
                        (snrCsf + snrWm + snrGm) / 3,
                        snrCsf,
                        snrGm,
                        snrWm,
                        (snrdCsf + snrdWm + snrdGm) / 3,
                        snrdCsf,
                        snrdGm,
                        snrdWm,
                        cnr,
                        cjv,
                        efc,
                        fber,
                        wm2max,
                        qi1,
                        fwhmX,
                        fwhmY,
                        fwhmZ,
                        (fwhmX + fwhmY + fwhmZ) / 3,
                        inuRange,
                        inuMedian});
  return table;
}

}  // namespace medpipe::quality
