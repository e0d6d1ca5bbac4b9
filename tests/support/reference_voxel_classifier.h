#pragma once
// The voxel classifier as it was before it was made fast (slab-by-slab feature bank, one voxel at a
// time through the forest), kept so tests can assert that the fast one gives the same bits.
#include <cstdint>

#include "medpipe/core/progress.h"
#include "medpipe/ml/voxel_classifier.h"

namespace medpipe::test::reference {

void slabFeatures(const ml::VolumeView& volume, const ml::FeatureBank& bank, size_t z0, size_t z1, float* out,
                  const Progress& progress);
void classifyVoxels(const ml::VoxelClassifier& model, const ml::VolumeView& volume, const std::uint8_t* mask, unsigned threads,
                    const ml::Classification& out, const Progress& progress);

}  // namespace medpipe::test::reference
