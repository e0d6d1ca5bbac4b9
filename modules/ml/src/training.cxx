// train-classifier's work: which classes are painted, their samples, the forest, the provenance.
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "medpipe/core/error.h"
#include "medpipe/core/version.h"
#include "medpipe/ml/voxel_classifier.h"

namespace medpipe::ml {
namespace {

// Grid and a hash of the voxels: which image a model came from, without its name (names may carry PHI).
std::string describeChannel(const VolumeView& v, size_t c) {
  std::uint64_t h = 1469598103934665603ull;
  const size_t n = v.sliceVoxels() * v.size[2];
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.channel[c]);
  for (size_t i = 0; i < n * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  char text[160];
  std::snprintf(text, sizeof text, "channel %zu: %zux%zux%zu voxels, %gx%gx%g mm, voxels fnv1a64 %016" PRIx64, c + 1,
                v.size[0], v.size[1], v.size[2], v.spacing[0], v.spacing[1], v.spacing[2], h);
  return text;
}

std::string utcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

VoxelClassifier trainVoxelClassifier(const VolumeView& volume, const std::uint8_t* scribbles,
                                     const std::string& scribblesPath, const FeatureBank& bank,
                                     const TrainingOptions& options, const std::map<int, std::string>& names,
                                     const Progress& progress) {
  const size_t n = volume.sliceVoxels() * volume.size[2];
  std::vector<size_t> count(256, 0);
  for (size_t i = 0; i < n; ++i) count[scribbles[i]]++;
  VoxelClassifier model;
  model.bank = bank;
  model.bank.channels = unsigned(volume.channel.size());
  std::vector<int> classIndexOfLabel(256, -1);
  for (int label = 1; label < 256; ++label) {
    if (!count[size_t(label)]) continue;
    classIndexOfLabel[size_t(label)] = int(model.classes.size());
    const auto name = names.find(label);
    model.classes.push_back({label, name != names.end() ? name->second : "class " + std::to_string(label),
                             count[size_t(label)]});
  }
  if (model.classes.empty())
    throw Error(scribblesPath, "labels", "no voxel is painted (every voxel is 0): paint at least two classes");
  if (model.classes.size() == 1)
    throw Error(scribblesPath, "labels",
                "only one class is painted (label " + std::to_string(model.classes[0].label) + ", " +
                    std::to_string(model.classes[0].paintedVoxels) +
                    " voxels): paint at least two classes, e.g. the background too");
  TrainingSet set;
  gatherTrainingSamples(volume, scribbles, model.bank, classIndexOfLabel, set, progress);
  trainForest(set, options, model);
  model.provenance.medpipeVersion = medpipeVersion();
  model.provenance.trainedAtUtc = utcNow();
  for (size_t c = 0; c < volume.channel.size(); ++c) model.provenance.images.push_back(describeChannel(volume, c));
  return model;
}

}  // namespace medpipe::ml
