// unet-segment and unet-probability with libtorch: PyTorch's own forward pass on a patch against
// medpipe's, a TorchScript file from a newer PyTorch refused, the shipped model on fresh phantoms,
// and the same output on one thread and on two. Without libtorch: the stages say so (exit 2).
#include <gtest/gtest.h>

#include <itkMultiThreaderBase.h>

#include <fstream>

#include "deep_test_support.h"
#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "stage_test_support.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

std::vector<float> readFloats(const fs::path& file, size_t count) {
  std::vector<float> v(count);
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(count * sizeof(float)));
  EXPECT_TRUE(in) << file;
  return v;
}

// The reference files of tests/deep/torchscript_reference.py, written once per test binary.
const fs::path& pytorchReference() {
  static test::TempDir dir("pytorch-reference");
  static const bool written = [] {
    const auto r = test::runCommand(test::debianPython() + " " MEDPIPE_SOURCE_DIR "/tests/deep/torchscript_reference.py " +
                                    dir.path().string());
    if (r.exitCode != 0) std::printf("[ note ] torchscript_reference.py: %s\n", r.err.c_str());
    return r.exitCode == 0;
  }();
  static const fs::path none;
  return written ? dir.path() : none;
}

#define MEDPIPE_REQUIRE_PYTORCH()                                                               \
  MEDPIPE_REQUIRE_TORCH();                                                                      \
  if (pytorchReference().empty())                                                              \
  GTEST_SKIP() << "Debian's python3-torch is not installed (it writes the reference model)"

constexpr size_t kX = 16, kY = 12, kZ = 8;

ImageF::Pointer referencePatch() {
  auto image = ImageF::New();
  image->SetRegions(ImageF::SizeType{{kX, kY, kZ}});
  image->Allocate();
  const auto values = readFloats(pytorchReference() / "patch.raw", kX * kY * kZ);
  std::copy(values.begin(), values.end(), image->GetBufferPointer());
  return image;  // spacing 1, origin 0, axes LPS: the card's grid
}

TEST(UnetTorchScript, MedpipesProbabilitiesArePyTorchsForwardPass) {
  MEDPIPE_REQUIRE_PYTORCH();
  const auto expected = readFloats(pytorchReference() / "probabilities.raw", 3 * kX * kY * kZ);
  const auto patch = referencePatch();
  const std::string model = (pytorchReference() / "net.pt").string();
  const size_t voxels = kX * kY * kZ;
  for (const int label : {1, 2}) {
    const StageData out = runStage(findStage("unet-probability"), {{"image", {patch, nullptr, nullptr}}},
                                   {{"model", model}, {"label", long(label)}});
    const float* p = out.image->GetBufferPointer();
    double worst = 0;
    for (size_t i = 0; i < voxels; ++i) worst = std::max(worst, double(std::abs(p[i] - expected[size_t(label) * voxels + i])));
    EXPECT_LT(worst, 1e-5) << "label " << label;
  }
  const StageData labels = runStage(findStage("unet-segment"), {{"image", {patch, nullptr, nullptr}}}, {{"model", model}});
  size_t agree = 0;
  for (size_t i = 0; i < voxels; ++i) {
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (expected[size_t(c) * voxels + i] > expected[size_t(best) * voxels + i]) best = c;
    agree += labels.labels->GetBufferPointer()[i] == best;
  }
  EXPECT_EQ(agree, voxels) << "labels are the argmax of PyTorch's probabilities";
}

TEST(UnetTorchScript, AFileWithAnOperatorThisLibtorchLacksIsRefusedSayingSo) {
  MEDPIPE_REQUIRE_PYTORCH();
  const std::string model = (pytorchReference() / "newer.pt").string();
  const std::string error = test::errorOf(
      [&] { runStage(findStage("unet-segment"), {{"image", {referencePatch(), nullptr, nullptr}}}, {{"model", model}}); });
  EXPECT_EQ(error.rfind(model + ": weights: uses operators or a file format that this libtorch (", 0), 0u)
      << error;
  EXPECT_NE(error.find("lacks; it was probably saved by a newer PyTorch (save it with PyTorch <= 1.13): "), std::string::npos) << error;
  EXPECT_NE(error.find("relu_from_pytorch_3"), std::string::npos) << error;
}

TEST(UnetTorchScript, WeightsThatDoNotMatchTheCardsSha256AreRefused) {
  MEDPIPE_REQUIRE_TORCH();
  test::TempDir dir("unet-sha");
  for (const char* f : {"model.json", "weights.pt"}) fs::copy(test::shippedModel() / f, dir / f);
  std::ofstream(dir / "weights.pt", std::ios::app) << "x";
  const std::string error = test::errorOf([&] {
    runStage(findStage("unet-segment"), {{"image", {makeBodyPhantom(test::modelPhantom(5)).image, nullptr, nullptr}}},
             {{"model", dir.path().string()}});
  });
  EXPECT_EQ(error.rfind((dir / "weights.pt").string() + ": weights.sha256: the file's sha256 is ", 0), 0u)
      << error;
}

TEST(UnetShippedModel, SegmentsFreshPhantomsWithDiceAbove09InBothWindowModes) {
  MEDPIPE_REQUIRE_TORCH();
  // Seeds and lung positions the model never saw (it was trained on seeds 1-6, lungs in place).
  const Phantom fresh = makeBodyPhantom(test::modelPhantom(101, {6.4, -3.2, 0}));
  for (const char* mode : {"monai", "nnunet"}) {
    const StageData out = runStage(findStage("unet-segment"), {{"image", {fresh.image, nullptr, nullptr}}},
                                   {{"model", test::shippedModel().string()}, {"mode", std::string(mode)}});
    for (const int label : {1, 2, 3}) {
      const double d = test::dice(*out.labels, *fresh.labels, label);
      std::printf("[ note ] %s: Dice of label %d: %.4f\n", mode, label, d);
      EXPECT_GE(d, 0.9) << mode << " label " << label;
    }
  }
}

TEST(UnetShippedModel, TheSameOutputOnOneThreadAndOnTwoAndWithEveryBatch) {
  MEDPIPE_REQUIRE_TORCH();
  PhantomSpec spec = test::modelPhantom(102);
  spec.size[2] = 8;  // one window deep: 9 windows a run (two threads are slow on a loaded machine)
  const Phantom p = makeBodyPhantom(spec);
  auto* threads = &itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads;
  const unsigned before = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  std::vector<ImageF::Pointer> maps;
  std::vector<LabelImage::Pointer> labels;
  for (const auto& [count, batch] : std::vector<std::pair<unsigned, long>>{{1, 1}, {2, 5}}) {
    threads(count);
    const std::map<std::string, ParameterValue> given{{"model", test::shippedModel().string()}, {"batch", batch}, {"label", 2L}};
    maps.push_back(runStage(findStage("unet-probability"), {{"image", {p.image, nullptr, nullptr}}}, given).image);
    labels.push_back(runStage(findStage("unet-segment"), {{"image", {p.image, nullptr, nullptr}}},
                              {{"model", test::shippedModel().string()}, {"batch", batch}}).labels);
  }
  threads(before);
  const size_t n = p.image->GetLargestPossibleRegion().GetNumberOfPixels();
  for (size_t run = 1; run < maps.size(); ++run) {
    double worst = 0;
    for (size_t i = 0; i < n; ++i)
      worst = std::max(worst, double(std::abs(maps[run]->GetBufferPointer()[i] - maps[0]->GetBufferPointer()[i])));
    EXPECT_LE(worst, 1e-5) << "run " << run;
    EXPECT_TRUE(std::equal(labels[0]->GetBufferPointer(), labels[0]->GetBufferPointer() + n, labels[run]->GetBufferPointer()))
        << "run " << run;
  }
}

TEST(UnetWithoutTorch, TheStagesAndTrainUnetSaySoAndExit2) {
  if (deep::torchAvailable()) GTEST_SKIP() << "built with libtorch: the without-torch path is tested in builds without it (asan)";
  const std::string error = test::errorOf([&] {
    runStage(findStage("unet-segment"), {{"image", {makeBodyPhantom(test::modelPhantom(5)).image, nullptr, nullptr}}},
             {{"model", test::shippedModel().string()}});
  });
  EXPECT_EQ(error, std::string("unet-segment.model: ") + deep::kWithoutTorch);
  const auto train = test::runMedpipe("train-unet --images . --labels . -o /nonexistent/model");
  EXPECT_EQ(train.exitCode, 2);
  EXPECT_EQ(train.err, std::string("medpipe train-unet: error: ") + deep::kWithoutTorch + "\n");

  test::TempDir dir("unet-without-torch");
  writeImage(*makeBodyPhantom(test::modelPhantom(5)).image, dir / "ct.nii.gz");
  std::ofstream(dir / "config.yaml") << "steps:\n  segmented:\n    stage: unet-segment\n    input: input\n    model: "
                                     << test::shippedModel().string()
                                     << "\noutputs:\n  - {step: segmented, file: seg.nii.gz}\n";
  const auto run = test::runMedpipe("run " + (dir / "config.yaml").string() + " -i " + (dir / "ct.nii.gz").string() +
                                    " -o " + (dir / "out").string());
  EXPECT_EQ(run.exitCode, 2) << run.err;
  EXPECT_NE(run.err.find(std::string("error: ") + (dir / "config.yaml").string() + ": " + deep::kWithoutTorch),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace medpipe
