#pragma once
// medpipe's voxel-classifier model file: a text file, versioned on its first line
// ("medpipe-voxel-classifier 1"), recording the feature bank, the classes and their names, the
// training provenance and out-of-bag error, and the trees; its last line is a checksum of the rest,
// so a damaged or hand-edited file is refused rather than silently misclassifying.
#include <filesystem>

#include "medpipe/ml/voxel_classifier.h"

namespace medpipe::ml {

inline constexpr int kModelFormatVersion = 1;

void writeModel(const VoxelClassifier& model, const std::filesystem::path& path);  // atomically
// Errors name the file and what is wrong: not a model, another format version, damaged (checksum,
// truncation), a malformed field.
VoxelClassifier readModel(const std::filesystem::path& path);

}  // namespace medpipe::ml
