#pragma once
// A voxel classifier trained from painted voxels (scribbles), as ilastik's pixel classification and
// c3d's -rf-train/-rf-apply: the feature bank of feature_bank.h and a random forest (VIGRA's, the one
// ilastik uses), kept in medpipe's own versioned model file (model_file.h).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "medpipe/core/progress.h"
#include "medpipe/ml/feature_bank.h"

namespace medpipe::ml {

// One tree, flattened: node n splits on feature[n] (goes to left[n] when value < threshold[n], else
// right[n]); a leaf has left[n] == -1 and its class probabilities at leafProbabilities[right[n] * classes].
struct Tree {
  std::vector<std::int32_t> feature, left, right;
  std::vector<double> threshold;
  std::vector<float> leafProbabilities;
};

struct ClassInfo {
  int label = 0;     // the label value in the scribbles and in the output
  std::string name;  // e.g. "white matter"; "class <label>" when none was given
  size_t paintedVoxels = 0;
};

struct TrainingProvenance {
  std::string medpipeVersion, trainedAtUtc;
  std::vector<std::string> images;  // per training image: grid size, spacing and a hash of its voxels
  unsigned seed = 1;
  unsigned trees = 0;
};

struct VoxelClassifier {
  FeatureBank bank;
  std::vector<ClassInfo> classes;  // in label order; forest class k is classes[k]
  std::vector<Tree> forest;
  double outOfBagError = 0;        // fraction of painted voxels misclassified by the trees that did not see them
  TrainingProvenance provenance;
};

struct TrainingOptions {
  unsigned trees = 32;
  unsigned seed = 1;
  unsigned minSplitSize = 2;  // nodes with fewer samples become leaves
};

// The training samples: one row of bank.featureCount() values per painted voxel, its class index.
struct TrainingSet {
  std::vector<float> rows;
  std::vector<std::int32_t> classIndex;
};

// Features of the voxels where `scribbles` is non-zero (a label map on the volume's grid), appended to
// `set`; classIndexOfLabel maps a label value to its class index (-1: not a class).
void gatherTrainingSamples(const VolumeView& volume, const std::uint8_t* scribbles, const FeatureBank& bank,
                           const std::vector<int>& classIndexOfLabel, TrainingSet& set, const Progress& progress);

// Trains the forest (single-threaded, deterministic for a seed) and measures its out-of-bag error.
// Throws medpipe::Error when built without VIGRA.
void trainForest(const TrainingSet& set, const TrainingOptions& options, VoxelClassifier& model);
bool forestTrainingAvailable();

// What classify() writes: labels (class label values; 0 outside the mask) unless labels is null (a
// probability map alone needs no label volume), and the probability of each class k whose
// probabilities[k] is set (probabilities may be empty or hold nulls to skip classes).
struct Classification {
  std::uint8_t* labels = nullptr;
  std::vector<float*> probabilities;
};

// Applies the model slice by slice (bounded memory: a few slices of features per thread); the result
// is the same bit for bit whatever the thread count and instruction set. mask may be nullptr.
void classify(const VoxelClassifier& model, const VolumeView& volume, const std::uint8_t* mask, unsigned threads,
              const Classification& out, const Progress& progress);

// Tests: the forest and the feature passes on at most these instructions (the CPU's best of them),
// even where it has more. Best: AVX-512F where the CPU has it. The passes' AVX2 clones are the
// loader's pick: under Sse2 they run on AVX2 where the CPU has it.
enum class Instructions { Best, Avx2, Sse2 };
void limitInstructionsForTesting(Instructions limit);
// Tests: the eigenvalues' step c -> cosf(acosf(c) / 3), vectorised where its check against glibc
// passed at first use, on every stride-th float of [-1, 1]: how many differ from the scalar calls
// (size_t(-1): not vectorised, as on CPUs without AVX2 and FMA or where that check failed).
size_t eigenAngleMismatchesForTesting(unsigned stride);

// Everything train-classifier does after reading its files: the classes painted in `scribbles` (a
// label map on the volume's grid; names[label] names a class, where given), their features, the
// forest and the provenance. Errors name scribblesPath: nothing painted, a single class painted.
VoxelClassifier trainVoxelClassifier(const VolumeView& volume, const std::uint8_t* scribbles,
                                     const std::string& scribblesPath, const FeatureBank& bank,
                                     const TrainingOptions& options, const std::map<int, std::string>& names,
                                     const Progress& progress);

}  // namespace medpipe::ml
