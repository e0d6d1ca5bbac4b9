// The tissue-class stages against ITK's single-threaded filters on the same volume and the same
// initial means: kmeans-classes vs itk::ScalarImageKmeansImageFilter, and bayesian-classes
// (memberships: kmeans, priors: uniform, no smoothing) vs ITK's Bayesian initialisation (Gaussians
// of that k-means) + itk::BayesianClassifierImageFilter. One implementation per process, so the
// peak memory (ru_maxrss) is its own:
//   classes_bench X Y Z MODE OUT.raw     MODE: stage-kmeans itk-kmeans stage-bayes itk-bayes
//   classes_bench compare A.raw B.raw    share of equal labels
// Prints one line "seconds S cpu-s C peak-MB M volume-MB V" (wall and CPU seconds of the work alone;
// V: the resident size once the input exists).
// Labels are written ordered by class mean, 1 = darkest, as the stages do.
#include <itkBayesianClassifierImageFilter.h>
#include <itkBayesianClassifierInitializationImageFilter.h>
#include <itkGaussianMembershipFunction.h>
#include <itkScalarImageKmeansImageFilter.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../../modules/filters/src/stages/tissue_classes.h"  // the stages' own initialisation
#include "bench_timing.h"
#include "medpipe/filters/stage.h"

using namespace medpipe;
using medpipe::bench::cpuSeconds;
using medpipe::bench::peakMegabytes;

namespace {

// The 3-class phantom of tests/filters/test_tissue_classes.cxx at any size: nested lobed shells of
// 200, 300 and 400 HU, times a bias rising from 0.9 to 1.1 along x, plus sigma 20 HU noise.
ImageF::Pointer phantom(unsigned nx, unsigned ny, unsigned nz) {
  auto im = ImageF::New();
  im->SetRegions(ImageF::SizeType{{nx, ny, nz}});
  im->Allocate();
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0, 20);
  float* out = im->GetBufferPointer();
  for (unsigned z = 0; z < nz; ++z)
    for (unsigned y = 0; y < ny; ++y)
      for (unsigned x = 0; x < nx; ++x, ++out) {
        const double px = (x - (nx - 1) / 2.0) / (nx / 2.0), py = (y - (ny - 1) / 2.0) / (ny / 2.0),
                     pz = (z - (nz - 1) / 2.0) / (nz / 2.0);
        const double rho = std::sqrt(px * px + py * py + pz * pz) * (1 + 0.1 * std::sin(3 * std::atan2(py, px)));
        const double mean = rho < 0.75 ? 400 : rho < 1.0 ? 300 : 200;
        *out = static_cast<float>(mean * (0.9 + 0.2 * x / (nx - 1.0)) + noise(random));
      }
  return im;
}

constexpr long kClasses = 3;
constexpr long kSeed = 1;

// The initial means the stages start from (seed 1), for ITK.
classes::Means stageInitialMeans(const ImageF::Pointer& image) {
  const auto voxels = classes::gatherVoxels({{"image", {image, nullptr, nullptr}}}, "bench");
  return classes::initialMeans(voxels, kClasses, kSeed, "bench");
}

// ITK's k-means from the stages' initial means; labels remapped to 1.. by final mean.
itk::ScalarImageKmeansImageFilter<ImageF, LabelImage>::Pointer itkKmeans(const ImageF::Pointer& image) {
  auto kmeans = itk::ScalarImageKmeansImageFilter<ImageF, LabelImage>::New();
  kmeans->SetInput(image);
  for (double mean : stageInitialMeans(image)) kmeans->AddClassWithInitialMean(mean);
  kmeans->Update();
  return kmeans;
}

std::vector<std::uint8_t> rankOf(const std::vector<double>& means) {
  std::vector<size_t> order(means.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return means[a] < means[b]; });
  std::vector<std::uint8_t> rank(means.size());
  for (size_t r = 0; r < order.size(); ++r) rank[order[r]] = static_cast<std::uint8_t>(r + 1);
  return rank;
}

LabelImage::Pointer itkKmeansLabels(const ImageF::Pointer& image) {
  auto kmeans = itkKmeans(image);
  const auto final = kmeans->GetFinalMeans();
  const auto rank = rankOf(std::vector<double>(final.begin(), final.end()));
  auto labels = kmeans->GetOutput();
  auto* l = labels->GetBufferPointer();
  for (size_t i = 0; i < labels->GetLargestPossibleRegion().GetNumberOfPixels(); ++i) l[i] = rank[l[i]];
  return labels;
}

// ITK's Bayesian chain with Gaussians of its k-means partition (what its initialisation filter
// computes, but from the stages' initial means instead of its fixed 0, 1, 2, ...), no priors, no smoothing.
LabelImage::Pointer itkBayesLabels(const ImageF::Pointer& image) {
  auto kmeans = itkKmeans(image);
  const auto final = kmeans->GetFinalMeans();
  std::vector<double> n(kClasses, 0), sum(kClasses, 0), sum2(kClasses, 0);
  const float* x = image->GetBufferPointer();
  const auto* k = kmeans->GetOutput()->GetBufferPointer();
  for (size_t i = 0; i < image->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    n[k[i]] += 1, sum[k[i]] += x[i], sum2[k[i]] += double(x[i]) * x[i];
  using Init = itk::BayesianClassifierInitializationImageFilter<ImageF, float>;
  using Gaussian = itk::Statistics::GaussianMembershipFunction<Init::MeasurementVectorType>;
  auto functions = Init::MembershipFunctionContainerType::New();
  for (long c = 0; c < kClasses; ++c) {
    auto g = Gaussian::New();
    Gaussian::MeanVectorType mean(1);
    mean[0] = sum[c] / n[c];
    Gaussian::CovarianceMatrixType covariance(1, 1);
    covariance(0, 0) = sum2[c] / n[c] - mean[0] * mean[0];
    g->SetMean(mean), g->SetCovariance(covariance);
    functions->InsertElement(c, g.GetPointer());
  }
  auto init = Init::New();
  init->SetInput(image), init->SetNumberOfClasses(kClasses), init->SetMembershipFunctions(functions);
  auto classifier = itk::BayesianClassifierImageFilter<Init::OutputImageType, std::uint8_t, float, float>::New();
  classifier->SetInput(init->GetOutput()), classifier->SetNumberOfSmoothingIterations(0);
  classifier->Update();
  const auto rank = rankOf(std::vector<double>(final.begin(), final.end()));
  LabelImage::Pointer labels = classifier->GetOutput();
  auto* l = labels->GetBufferPointer();
  for (size_t i = 0; i < labels->GetLargestPossibleRegion().GetNumberOfPixels(); ++i) l[i] = rank[l[i]];
  return labels;
}

LabelImage::Pointer stageLabels(const ImageF::Pointer& image, const std::string& stage) {
  std::map<std::string, ParameterValue> p{{"classes", kClasses}, {"seed", kSeed}};
  if (stage == "bayesian-classes")
    p["memberships"] = std::string("kmeans"), p["priors"] = std::string("uniform"), p["smoothing-iterations"] = 0L;
  return runStage(findStage(stage), {{"image", {image, nullptr, nullptr}}}, p).labels;
}

std::vector<char> readAll(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 4 && std::string(argv[1]) == "compare") {
      const auto a = readAll(argv[2]), b = readAll(argv[3]);
      if (a.size() != b.size() || a.empty()) return std::fprintf(stderr, "label files differ in size\n"), 2;
      size_t equal = 0;
      for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
      std::printf("equal %.4f %%\n", 100.0 * double(equal) / double(a.size()));
      return 0;
    }
    if (argc != 6) return std::fprintf(stderr, "usage: classes_bench X Y Z MODE OUT.raw | compare A B\n"), 2;
    const auto image = phantom(std::atoi(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]));
    const std::string mode = argv[4];
    const double volumeMb = peakMegabytes(), cpuBefore = cpuSeconds();
    LabelImage::Pointer labels;
    const double seconds = bench::secondsOf([&] {
      if (mode == "stage-kmeans") labels = stageLabels(image, "kmeans-classes");
      else if (mode == "stage-bayes") labels = stageLabels(image, "bayesian-classes");
      else if (mode == "itk-kmeans") labels = itkKmeansLabels(image);
      else if (mode == "itk-bayes") labels = itkBayesLabels(image);
    });
    if (!labels) return std::fprintf(stderr, "unknown mode %s\n", mode.c_str()), 2;
    std::ofstream(argv[5], std::ios::binary)
        .write(reinterpret_cast<const char*>(labels->GetBufferPointer()),
               std::streamsize(labels->GetLargestPossibleRegion().GetNumberOfPixels()));
    const double cpu = cpuSeconds() - cpuBefore;
    std::printf("seconds %.2f cpu-s %.2f peak-MB %.0f volume-MB %.0f\n", seconds, cpu, peakMegabytes(), volumeMb);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "classes_bench: %s\n", e.what());
    return 1;
  }
}
