// radiomics_bench: every 3D IBSI feature of a ~100 mL region (~200k voxels) of a 512x512x300 CT
// phantom, wall time and peak memory; and the GLCM features ITK's ScalarImageToTextureFeaturesFilter
// also gives, on the same voxels, mask and binning, side by side.
//   radiomics_bench [runs]      prints a Markdown table (bench/RESULTS-radiomics.md)
#include <itkScalarImageToTextureFeaturesFilter.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "bench_timing.h"
#include "medpipe/core/parallel.h"
#include "medpipe/radiomics/features.h"
#include "medpipe/radiomics/processing.h"

namespace {

using namespace medpipe;

long peakKilobytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}
long currentKilobytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}
void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }  // VmHWM := VmRSS

struct Phantom {
  ImageF::Pointer image;
  LabelImage::Pointer labels;
};

// Body (40 HU) in air, a lobulated tumour of ~100 mL with a textured interior; whole HU with noise.
Phantom makePhantom() {
  const unsigned nx = 512, ny = 512, nz = 300;
  const double sx = 0.7, sy = 0.7, sz = 1.0;
  Phantom p{ImageF::New(), LabelImage::New()};
  itk::ImageRegion<3> region;
  region.SetSize({{nx, ny, nz}});
  const double spacing[3] = {sx, sy, sz};
  p.image->SetRegions(region);
  p.image->SetSpacing(spacing);
  p.image->Allocate();
  p.labels->SetRegions(region);
  p.labels->SetSpacing(spacing);
  p.labels->Allocate();
  std::mt19937 random(1);
  std::normal_distribution<float> noise(0, 12);
  float* v = p.image->GetBufferPointer();
  std::uint8_t* l = p.labels->GetBufferPointer();
  const double cx = nx * sx / 2, cy = ny * sy / 2, cz = nz * sz / 2;
  for (unsigned z = 0; z < nz; ++z)
    for (unsigned y = 0; y < ny; ++y)
      for (unsigned x = 0; x < nx; ++x, ++v, ++l) {
        const double px = x * sx - cx, py = y * sy - cy, pz = z * sz - cz;
        const double body = std::pow(px / 170, 2) + std::pow(py / 120, 2);
        double hu = body <= 1 ? 40 : -1000;
        const double r = std::sqrt(px * px + py * py + pz * pz);
        const double theta = std::atan2(py, px), phi = r > 0 ? std::acos(pz / r) : 0;
        const double radius = 28.0 * (1 + 0.12 * std::sin(3 * theta) * std::sin(2 * phi));
        *l = r <= radius;
        if (*l) hu = 60 + 35 * std::sin(px / 3) * std::cos(py / 4) + 20 * std::sin(pz / 2.5);
        *v = std::round(float(hu) + noise(random));
      }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  const Phantom phantom = makePhantom();
  size_t voxels = 0;
  for (size_t i = 0, n = phantom.labels->GetBufferedRegion().GetNumberOfPixels(); i < n; ++i)
    voxels += phantom.labels->GetBufferPointer()[i];
  const double imageMb = double(phantom.image->GetBufferedRegion().GetNumberOfPixels()) * 5 / 1e6;  // float + label

  // All 3D features, bin width 25 HU, no resampling: crop + every family on all threads.
  radiomics::FeatureSettings settings;
  settings.discretisation.binWidth = 25;
  settings.aggregations = radiomics::Aggregate3D;
  size_t featureCount = 0;
  const long before = currentKilobytes();
  resetPeak();
  const double allSeconds = bench::medianSeconds(runs, [&] {
    const auto roi = radiomics::prepareRegion(*phantom.image, *phantom.labels, 1, {});
    featureCount = radiomics::computeFeatures(roi, settings).size();
  });
  const long peak = peakKilobytes();
  settings.threads = 1;
  const double oneThread = bench::medianSeconds(1, [&] {
    const auto roi = radiomics::prepareRegion(*phantom.image, *phantom.labels, 1, {});
    radiomics::computeFeatures(roi, settings);
  });

  // Where the time goes: each family alone, one thread (crop excluded).
  std::string perFamily;
  {
    const auto region = radiomics::prepareRegion(*phantom.image, *phantom.labels, 1, {});
    for (const auto& family : radiomics::familyNames()) {
      radiomics::FeatureSettings one = settings;
      one.families = {family};
      perFamily +=
          (perFamily.empty() ? "" : ", ") + family + " " +
          std::to_string(int(1000 * bench::medianSeconds(1, [&] { radiomics::computeFeatures(region, one); }))) + " ms";
    }
  }
  const double cropSeconds =
      bench::medianSeconds(runs, [&] { radiomics::prepareRegion(*phantom.image, *phantom.labels, 1, {}); });

  // Many bins (pyradiomics issue 953 territory): every 3D texture family at 3,000 bins.
  radiomics::FeatureSettings manyBins = settings;
  manyBins.discretisation.method = radiomics::Discretisation::BinCount;
  manyBins.discretisation.binCount = 3000;
  manyBins.families = {"ih", "cm", "rlm", "szm", "dzm", "ngt", "ngl"};
  settings.threads = 0;
  manyBins.threads = 0;
  resetPeak();
  const long beforeBins = currentKilobytes();
  const double manyBinsSeconds = bench::medianSeconds(1, [&] {
    const auto region = radiomics::prepareRegion(*phantom.image, *phantom.labels, 1, {});
    radiomics::computeFeatures(region, manyBins);
  });
  const long peakBins = peakKilobytes();

  // GLCM side by side: the region's bounding box for both, 32 bins from the region's min to max,
  // the 13 volume directions, features averaged over them (medpipe: cm_*_3D_avg).
  const auto roi = radiomics::prepareRegion(*phantom.image, *phantom.labels, 1, {});
  auto box = ImageF::New();
  itk::ImageRegion<3> region;
  region.SetSize({{size_t(roi.grid.size[0]), size_t(roi.grid.size[1]), size_t(roi.grid.size[2])}});
  box->SetRegions(region);
  box->Allocate();
  double lo = 1e300, hi = -1e300;
  for (size_t i = 0; i < roi.grid.count(); ++i) {
    box->GetBufferPointer()[i] = float(roi.intensity[i]);
    if (roi.intensityMask[i]) lo = std::min(lo, roi.intensity[i]), hi = std::max(hi, roi.intensity[i]);
  }
  auto maskF = ImageF::New();
  maskF->SetRegions(region);
  maskF->Allocate();
  for (size_t i = 0; i < roi.grid.count(); ++i) maskF->GetBufferPointer()[i] = roi.intensityMask[i];
  using Texture = itk::Statistics::ScalarImageToTextureFeaturesFilter<ImageF>;
  Texture::FeatureValueVectorPointer itkMeans;
  auto runItk = [&] {
    auto filter = Texture::New();
    filter->SetInput(box);
    auto requested = Texture::FeatureNameVector::New();
    using F = itk::Statistics::HistogramToTextureFeaturesFilterEnums::TextureFeature;
    for (F f : {F::Energy, F::Entropy, F::Correlation, F::InverseDifferenceMoment, F::Inertia, F::ClusterShade,
                F::ClusterProminence})
      requested->push_back(static_cast<std::uint8_t>(f));
    filter->SetRequestedFeatures(requested);
    filter->SetNumberOfBinsPerAxis(32);
    filter->SetPixelValueMinMax(float(lo), float(hi));
    filter->SetInsidePixelValue(1);
    filter->SetMaskImage(maskF);
    filter->Update();
    itkMeans = filter->GetFeatureMeans();
  };
  radiomics::FeatureSettings glcm;
  glcm.families = {"cm"};
  glcm.aggregations = radiomics::Aggregate3D;
  // ITK's 32 bins span [min, max + 1): the same bins as FBS with that width from min.
  glcm.discretisation.binWidth = (hi + 1 - lo) / 32;
  glcm.discretisation.lowerBound = lo;
  std::map<std::string, double> ours;
  auto runOurs = [&] {
    for (const auto& f : radiomics::computeFeatures(roi, glcm)) ours[f.tag] = f.value;
  };
  const auto paired = bench::interleavedMedianSeconds(runs, runOurs, runItk);
  // In the requested order. ITK defines two of them differently: its entropy leaves out entries
  // with p <= 1e-4, its correlation divides the covariance by the variance squared.
  const char* names[] = {"cm_energy_3D_avg",   "cm_joint_entr_3D_avg",  "cm_corr_3D_avg",      "cm_inv_diff_mom_3D_avg",
                         "cm_contrast_3D_avg", "cm_clust_shade_3D_avg", "cm_clust_prom_3D_avg"};
  const bool sameDefinition[] = {true, false, false, true, true, true, true};
  double worst = 0;
  std::printf(
      "| feature (3D, averaged over 13 directions) | medpipe | ITK | relative difference |\n|---|---|---|---|\n");
  for (size_t k = 0; k < 7; ++k) {
    const double a = ours[names[k]], b = itkMeans->ElementAt(k);
    const double rel = std::abs(a - b) / std::max(1e-300, std::abs(b));
    if (sameDefinition[k]) worst = std::max(worst, rel);
    std::printf("| %s | %.12g | %.12g | %.1e%s |\n", names[k], a, b, rel,
                sameDefinition[k] ? "" : (k == 1 ? " (ITK leaves out p <= 1e-4)" : " (ITK: covariance / variance^2)"));
  }
  std::printf("\n| measurement | figure |\n|---|---|\n");
  std::printf("| image | 512x512x300 float CT phantom + label map (%.0f MB), 0.7x0.7x1.0 mm |\n", imageMb);
  std::printf("| region | %zu voxels (%.1f mL) |\n", voxels, voxels * 0.49 / 1000);
  std::printf(
      "| all 3D features (%zu values: morphology incl. Moran/Geary, local intensity, statistics, histograms, "
      "IVH, GLCM/GLRLM 3D avg+merged, GLSZM, GLDZM, NGTDM, NGLDM), bin width 25 HU, %u threads | %.3f s |\n",
      featureCount, workerThreadCount(), allSeconds);
  std::printf("| the same on 1 thread | %.3f s |\n", oneThread);
  std::printf("| of which cropping the region out of the volume | %.3f s |\n", cropSeconds);
  std::printf("| each family alone, 1 thread | %s |\n", perFamily.c_str());
  std::printf(
      "| peak memory of the process during extraction | %.0f MB (%.0f MB resident before: image + label map) |\n",
      peak / 1024.0, before / 1024.0);
  std::printf("| texture families at 3,000 bins (FBN), all threads | %.3f s, peak %.0f MB (+%.0f MB) |\n",
              manyBinsSeconds, peakBins / 1024.0, (peakBins - beforeBins) / 1024.0);
  std::printf("| GLCM 3D features, medpipe (all 25, 13 directions) | %.4f s |\n", paired.first);
  std::printf("| ScalarImageToTextureFeaturesFilter (7 features, same box, mask and 32 bins) | %.4f s |\n",
              paired.second);
  std::printf("| speed ratio ITK / medpipe | %.1fx |\n", paired.second / paired.first);
  std::printf("| largest relative difference of the 5 features defined alike | %.1e |\n", worst);
  return worst <= 1e-9 ? 0 : 1;
}
