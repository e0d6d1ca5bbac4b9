// classify_bench: applying a trained voxel classifier (classify-voxels) to a large volume.
//   classify_bench X Y Z MODEL.model    trains MODEL on a 128x128x64 phantom (1 % painted), then
//                                       applies it to an X x Y x Z phantom of the same kind
// Prints "train-s T apply-s S apply-cpu-s C peak-MB M volume-MB V dice D1 D2 D3 features F trees N"
// (apply: the stage alone, model file read included; V: resident size once the inputs exist).
// The phantom: 3 nested lobed shells of 200, 300, 400 HU times a bias of 0.9..1.1 along x plus
// sigma 20 HU noise, on a CT-like grid of 0.7 x 0.7 x 1.0 mm.
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "bench_timing.h"
#include "medpipe/filters/stage.h"
#include "medpipe/ml/model_file.h"

using namespace medpipe;
using medpipe::bench::cpuSeconds;
using medpipe::bench::peakMegabytes;

namespace {

struct Phantom {
  ImageF::Pointer image;
  LabelImage::Pointer truth;
};

Phantom phantom(unsigned nx, unsigned ny, unsigned nz, unsigned seed) {
  Phantom p{ImageF::New(), LabelImage::New()};
  p.image->SetRegions(ImageF::SizeType{{nx, ny, nz}});
  p.image->SetSpacing(ImageF::SpacingType(std::array<double, 3>{0.7, 0.7, 1.0}.data()));
  p.image->Allocate();
  p.truth->CopyInformation(p.image);
  p.truth->SetRegions(p.image->GetLargestPossibleRegion());
  p.truth->Allocate();
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 20);
  float* out = p.image->GetBufferPointer();
  auto* truth = p.truth->GetBufferPointer();
  for (unsigned z = 0; z < nz; ++z)
    for (unsigned y = 0; y < ny; ++y)
      for (unsigned x = 0; x < nx; ++x, ++out, ++truth) {
        const double px = (x - (nx - 1) / 2.0) / (nx / 2.0), py = (y - (ny - 1) / 2.0) / (ny / 2.0),
                     pz = (z - (nz - 1) / 2.0) / (nz / 2.0);
        const double rho = std::sqrt(px * px + py * py + pz * pz) * (1 + 0.1 * std::sin(3 * std::atan2(py, px)));
        *truth = rho < 0.6 ? 3 : rho < 0.9 ? 2 : 1;
        const double mean = 100.0 + 100.0 * *truth;
        *out = static_cast<float>(mean * (0.9 + 0.2 * x / (nx - 1.0)) + noise(random));
      }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc != 5) return std::fprintf(stderr, "usage: classify_bench X Y Z MODEL.model\n"), 2;
    const std::string modelPath = argv[4];
    const double trainSeconds = bench::secondsOf([&] {
      const Phantom small = phantom(128, 128, 64, 3);
      std::mt19937 random(11);
      std::uniform_real_distribution<double> draw(0, 1);
      auto painted = LabelImage::New();
      painted->CopyInformation(small.truth);
      painted->SetRegions(small.truth->GetLargestPossibleRegion());
      painted->Allocate();
      const size_t n = small.truth->GetLargestPossibleRegion().GetNumberOfPixels();
      for (size_t i = 0; i < n; ++i)
        painted->GetBufferPointer()[i] = draw(random) < 0.01 ? small.truth->GetBufferPointer()[i] : 0;
      ml::VolumeView v;
      for (unsigned d = 0; d < 3; ++d)
        v.size[d] = small.image->GetLargestPossibleRegion().GetSize()[d], v.spacing[d] = small.image->GetSpacing()[d];
      v.channel = {small.image->GetBufferPointer()};
      const auto model = ml::trainVoxelClassifier(v, painted->GetBufferPointer(), "bench", ml::FeatureBank{},
                                                  ml::TrainingOptions{}, {}, Progress());
      ml::writeModel(model, modelPath);
    });
    const Phantom big = phantom(unsigned(std::atoi(argv[1])), unsigned(std::atoi(argv[2])), unsigned(std::atoi(argv[3])), 7);
    const double volumeMb = peakMegabytes();
    const double cpuBefore = cpuSeconds();
    LabelImage::Pointer labels;
    const double seconds = bench::secondsOf([&] {
      labels = runStage(findStage("classify-voxels"), {{"image", {big.image, nullptr, nullptr}}}, {{"model", modelPath}})
                   .labels;
    });
    const double cpu = cpuSeconds() - cpuBefore;
    const size_t n = big.truth->GetLargestPossibleRegion().GetNumberOfPixels();
    std::printf("train-s %.2f apply-s %.2f apply-cpu-s %.2f peak-MB %.0f volume-MB %.0f dice", trainSeconds, seconds, cpu,
                peakMegabytes(), volumeMb);
    for (int c = 1; c <= 3; ++c) {
      size_t both = 0, a = 0, b = 0;
      for (size_t i = 0; i < n; ++i) {
        const bool inL = labels->GetBufferPointer()[i] == c, inT = big.truth->GetBufferPointer()[i] == c;
        both += inL && inT, a += inL, b += inT;
      }
      std::printf(" %.4f", 2.0 * double(both) / double(a + b));
    }
    const auto model = ml::readModel(modelPath);
    std::printf(" features %zu trees %zu\n", model.bank.featureCount(), model.forest.size());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "classify_bench: %s\n", e.what());
    return 1;
  }
}
