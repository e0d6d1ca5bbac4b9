// Built without VIGRA (libvigraimpex-dev): models can still be read and applied, not trained.
#include "medpipe/core/error.h"
#include "medpipe/ml/voxel_classifier.h"

namespace medpipe::ml {

bool forestTrainingAvailable() { return false; }

void trainForest(const TrainingSet&, const TrainingOptions&, VoxelClassifier&) {
  throw Error("", "", "this medpipe was built without VIGRA (libvigraimpex-dev): it cannot train a random forest");
}

}  // namespace medpipe::ml
