// Stage wrappers against the bare ITK filters they wrap, same parameters, same input, same run:
// prints megavoxels per second for both and the ratio (wrapper time / bare time).
//   stage_bench [X Y Z] [runs]     default 512 512 300, 3 runs
#include <itkBinaryThresholdImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkConnectedThresholdImageFilter.h>
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>
#include <itkGradientAnisotropicDiffusionImageFilter.h>
#include <itkLabelStatisticsImageFilter.h>
#include <itkMeanImageFilter.h>
#include <itkMedianImageFilter.h>
#include <itkOtsuThresholdImageFilter.h>
#include <itkRelabelComponentImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "bench_timing.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

using namespace medpipe;
using bench::medianSeconds;

namespace {

using LabelU32 = itk::Image<std::uint32_t, 3>;

ImageF::SizeType voxelRadius(const ImageF& image, double mm) {
  ImageF::SizeType r;
  for (unsigned d = 0; d < 3; ++d) r[d] = std::max<itk::SizeValueType>(1, std::lround(mm / image.GetSpacing()[d]));
  return r;
}

template <typename F>
void update(F& filter) {
  filter->Update();
}

struct Case {
  std::string stage;
  std::map<std::string, ParameterValue> parameters;
  std::string input;  // "image" or "labels"
  std::function<void(const ImageF::Pointer&, const LabelImage::Pointer&)> bare;
};

}  // namespace

int main(int argc, char** argv) {
  PhantomSpec spec;
  spec.size = {512, 512, 300};
  spec.spacing = {0.8, 0.8, 1.0};
  if (argc >= 4) spec.size = {unsigned(std::atoi(argv[1])), unsigned(std::atoi(argv[2])), unsigned(std::atoi(argv[3]))};
  const int runs = argc >= 5 ? std::atoi(argv[4]) : 3;
  itk::Object::GlobalWarningDisplayOff();
  const Phantom phantom = makeBodyPhantom(spec);
  const ImageF::Pointer image = phantom.image;
  const LabelImage::Pointer bone = [&] {
    auto t = itk::BinaryThresholdImageFilter<ImageF, LabelImage>::New();
    t->SetInput(image), t->SetLowerThreshold(300), t->SetUpperThreshold(3000), t->SetInsideValue(1), t->SetOutsideValue(0);
    t->Update();
    return LabelImage::Pointer(t->GetOutput());
  }();
  const double minSpacing = std::min({spec.spacing[0], spec.spacing[1], spec.spacing[2]});
  ImageF::PointType seedPoint;
  seedPoint[0] = 0, seedPoint[1] = 0, seedPoint[2] = 0;
  ImageF::IndexType seed;
  image->TransformPhysicalPointToIndex(seedPoint, seed);

  const std::vector<Case> cases = {
      {"gaussian", {{"sigma", 1.0}}, "image", [](auto img, auto) {
         auto f = itk::SmoothingRecursiveGaussianImageFilter<ImageF, ImageF>::New();
         f->SetInput(img), f->SetSigma(1.0), update(f);
       }},
      {"mean", {{"radius", 1.0}}, "image", [](auto img, auto) {
         auto f = itk::MeanImageFilter<ImageF, ImageF>::New();
         f->SetInput(img), f->SetRadius(voxelRadius(*img, 1.0)), update(f);
       }},
      {"median", {{"radius", 1.0}}, "image", [](auto img, auto) {
         auto f = itk::MedianImageFilter<ImageF, ImageF>::New();
         f->SetInput(img), f->SetRadius(voxelRadius(*img, 1.0)), update(f);
       }},
      {"gradient-anisotropic-diffusion", {{"iterations", 2L}}, "image", [&](auto img, auto) {
         auto f = itk::GradientAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
         f->SetInput(img), f->SetNumberOfIterations(2), f->SetConductanceParameter(1.0), f->SetTimeStep(minSpacing / 16);
         update(f);
       }},
      {"curvature-anisotropic-diffusion", {{"iterations", 2L}, {"implementation", std::string("itk")}}, "image",
       [&](auto img, auto) {
         auto f = itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
         f->SetInput(img), f->SetNumberOfIterations(2), f->SetConductanceParameter(1.0), f->SetTimeStep(minSpacing / 16);
         update(f);
       }},
      {"curvature-anisotropic-diffusion", {{"iterations", 2L}, {"implementation", std::string("fast")}}, "image",
       [&](auto img, auto) {
         auto f = itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
         f->SetInput(img), f->SetNumberOfIterations(2), f->SetConductanceParameter(1.0), f->SetTimeStep(minSpacing / 16);
         update(f);
       }},
      {"binary-threshold", {{"lower", 300.0}, {"upper", 3000.0}}, "image", [](auto img, auto) {
         auto f = itk::BinaryThresholdImageFilter<ImageF, LabelImage>::New();
         f->SetInput(img), f->SetLowerThreshold(300), f->SetUpperThreshold(3000), f->SetInsideValue(1), f->SetOutsideValue(0);
         update(f);
       }},
      {"otsu-threshold", {{"bins", 128L}}, "image", [](auto img, auto) {
         auto f = itk::OtsuThresholdImageFilter<ImageF, LabelImage>::New();
         f->SetInput(img), f->SetNumberOfHistogramBins(128), f->SetInsideValue(0), f->SetOutsideValue(1), update(f);
       }},
      {"connected-threshold", {{"seeds", Points{{{0, 0, 0}}, false}}, {"lower", -200.0}, {"upper", 200.0}}, "image",
       [&](auto img, auto) {
         auto f = itk::ConnectedThresholdImageFilter<ImageF, LabelImage>::New();
         f->SetInput(img), f->AddSeed(seed), f->SetLower(-200), f->SetUpper(200), f->SetReplaceValue(1), update(f);
       }},
      {"connected-components", {{"keep-largest", 1L}}, "labels", [](auto, auto labels) {
         auto c = itk::ConnectedComponentImageFilter<LabelImage, LabelU32>::New();
         c->SetInput(labels);
         auto r = itk::RelabelComponentImageFilter<LabelU32, LabelU32>::New();
         r->SetInput(c->GetOutput());
         auto keep = itk::BinaryThresholdImageFilter<LabelU32, LabelImage>::New();  // the largest, as uint8
         keep->SetInput(r->GetOutput()), keep->SetLowerThreshold(1), keep->SetUpperThreshold(1);
         keep->SetInsideValue(1), keep->SetOutsideValue(0), update(keep);
       }},
      {"label-statistics", {}, "both", [](auto img, auto labels) {
         auto f = itk::LabelStatisticsImageFilter<ImageF, LabelImage>::New();
         f->SetInput(img), f->SetLabelInput(labels), update(f);
       }},
  };

  const double megavoxels = double(spec.size[0]) * spec.size[1] * spec.size[2] / 1e6;
  std::printf("| stage | bare ITK s | stage s | bare Mvox/s | stage Mvox/s | ratio |\n|---|---|---|---|---|---|\n");
  for (const auto& c : cases) {
    StageInputs inputs;
    if (c.input != "labels") inputs["image"] = StageData{image, nullptr, nullptr};
    if (c.input != "image") inputs["labels"] = StageData{nullptr, bone, nullptr};
    const Stage& stage = findStage(c.stage);
    const double bare = medianSeconds(runs, [&] { c.bare(image, bone); });
    const double wrapped = medianSeconds(runs, [&] { runStage(stage, inputs, c.parameters); });
    std::string label = c.stage;
    for (const auto& [name, value] : c.parameters)
      if (name == "implementation") label += " (" + formatParameterValue(value) + ")";
    std::printf("| %s | %.2f | %.2f | %.1f | %.1f | %.3f |\n", label.c_str(), bare, wrapped, megavoxels / bare,
                megavoxels / wrapped, wrapped / bare);
    std::fflush(stdout);
  }
  return 0;
}
