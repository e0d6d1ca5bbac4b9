#include "classifier_model_support.h"

#include <filesystem>

#include "medpipe/ml/model_file.h"
#include "test_support.h"

namespace medpipe::test {

const std::string& airBodyModelPath() {
  static TempDir dir("air-body-model");
  static const std::string path = [] {
    ml::VoxelClassifier m;
    m.classes = {{1, "air", 1}, {2, "body", 1}};
    ml::Tree t;
    t.feature = {0, 0, 0}, t.threshold = {-200, 0, 0}, t.left = {1, -1, -1}, t.right = {2, 0, 1};
    t.leafProbabilities = {1, 0, 0, 1};
    m.forest = {t};
    m.provenance = {"test", "2026-12-01T00:00:00Z", {"written by hand"}, 1, 1};
    const std::string file = (dir / "air-body.model").string();
    ml::writeModel(m, file);
    return file;
  }();
  return path;
}

}  // namespace medpipe::test
