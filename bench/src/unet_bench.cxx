// unet_bench: sliding-window inference of the shipped model (testdata/unet-phantom) on a phantom of
// X x Y x Z voxels at the model's spacing, against the bare forward passes it makes.
// usage: unet_bench MODEL X Y Z THREADS
// prints "stage S windows W forward F forward-calls N threads T peak-MB M"
//   stage:   the whole unet-segment stage (resampling, normalisation, windows, argmax, resampling back)
//   windows: deep::slidingWindow alone (cutting patches, forward passes, blending)
//   forward: the same number of forward calls of the same batch size on patches of the volume, nothing else
#include <itkMultiThreaderBase.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

#include "bench_timing.h"
#include "medpipe/deep/network.h"
#include "medpipe/deep/normalisation.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

int main(int argc, char** argv) {
  using namespace medpipe;
  if (argc != 6) {
    std::fprintf(stderr, "usage: unet_bench MODEL X Y Z THREADS\n");
    return 2;
  }
  const std::string model = argv[1];
  const unsigned threads = unsigned(std::atoi(argv[5]));
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
  const deep::ModelCard card = deep::readModelCard(model);
  PhantomSpec spec;
  spec.size = {unsigned(std::atoi(argv[2])), unsigned(std::atoi(argv[3])), unsigned(std::atoi(argv[4]))};
  spec.spacing = card.spacing;
  const Phantom phantom = makeBodyPhantom(spec);

  // One untimed run: libtorch's one-time start-up (thread pools, kernels) is not what is measured.
  const auto network = deep::loadNetwork(card);
  const size_t patchVoxels = size_t(card.patch[0]) * size_t(card.patch[1]) * size_t(card.patch[2]);
  std::vector<float> warm(patchVoxels, 0.0f), out(patchVoxels * size_t(card.outputChannels()));
  network->forward(warm.data(), 1, out.data(), threads);

  const double stage = bench::secondsOf([&] {
    runStage(findStage("unet-segment"), {{"image", {phantom.image, nullptr, nullptr}}}, {{"model", model}});
  });

  const size_t voxels = phantom.image->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<float> input(phantom.image->GetBufferPointer(), phantom.image->GetBufferPointer() + voxels);
  deep::normalise(input, card.normalisation);
  const deep::Size3 size{spec.size[0], spec.size[1], spec.size[2]};
  deep::WindowOptions options;
  options.batch = threads;  // as the stage: a patch for each thread at every step
  const auto forward = [&](const float* patches, size_t count, float* logits) {
    network->forward(patches, count, logits, threads);
  };
  deep::SlidingWindowResult result;
  const double windows = bench::secondsOf([&] {
    result = deep::slidingWindow(input.data(), size, card.patch, size_t(card.outputChannels()), options, forward, Progress());
  });

  // The same forward calls on patches cut from the start of the volume, nothing else.
  std::vector<float> batch(options.batch * patchVoxels);
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = input[i % voxels];
  std::vector<float> logits(options.batch * patchVoxels * size_t(card.outputChannels()));
  const double bare = bench::secondsOf([&] {
    for (size_t call = 0; call < result.forwardCalls; ++call) network->forward(batch.data(), options.batch, logits.data(), threads);
  });

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("stage %.2f windows %.2f forward %.2f forward-calls %zu threads %u peak-MB %.0f\n", stage, windows, bare,
              result.forwardCalls, threads, double(usage.ru_maxrss) / 1024.0);
  return 0;
}
