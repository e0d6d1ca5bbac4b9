// Stage wrappers against the bare ITK filters they wrap, same parameters, same input, same run:
// prints seconds and megavoxels per second for both (medians of alternating runs) and the ratio
// (stage time / bare time), one markdown table row per case.
//   stage_bench [X Y Z] [runs] [STAGE,...]     default 512 512 300, 3 runs, every stage
// STAGES=median,bilateral in the environment also picks a subset (the argument wins). Stages too
// slow for the whole volume run on a centred part of it, kCrop or kSmallCrop (the "size" column).
#include <itkBSplineControlPointImageFilter.h>
#include <itkBilateralImageFilter.h>
#include <itkBinaryFillholeImageFilter.h>
#include <itkBinaryThresholdImageFilter.h>
#include <itkConfidenceConnectedImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkConnectedThresholdImageFilter.h>
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>
#include <itkCurvatureFlowImageFilter.h>
#include <itkDivideImageFilter.h>
#include <itkExpImageFilter.h>
#include <itkGaussianRandomSpatialNeighborSubsampler.h>
#include <itkGradientAnisotropicDiffusionImageFilter.h>
#include <itkGradientMagnitudeRecursiveGaussianImageFilter.h>
#include <itkImageRegionConstIterator.h>
#include <itkImageRegionIteratorWithIndex.h>
#include <itkLabelStatisticsImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkMeanImageFilter.h>
#include <itkMedianImageFilter.h>
#include <itkMinMaxCurvatureFlowImageFilter.h>
#include <itkMorphologicalWatershedImageFilter.h>
#include <itkN4BiasFieldCorrectionImageFilter.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNeighborhoodConnectedImageFilter.h>
#include <itkOtsuMultipleThresholdsImageFilter.h>
#include <itkOtsuThresholdImageFilter.h>
#include <itkPatchBasedDenoisingImageFilter.h>
#include <itkRegionOfInterestImageFilter.h>
#include <itkRelabelComponentImageFilter.h>
#include <itkResampleImageFilter.h>
#include <itkShrinkImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>
#include <itkThresholdSegmentationLevelSetImageFilter.h>
#include <itkUnaryGeneratorImageFilter.h>
#include <itkVectorIndexSelectionCastImageFilter.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"

using namespace medpipe;
using bench::interleavedMedianSeconds;

namespace {

using LabelU32 = itk::Image<std::uint32_t, 3>;
using Size = std::array<unsigned, 3>;

// Stages too slow for the whole volume run on its centred part of at most this size (centred, so
// the seed at the physical origin stays inside): 256x256x100 (0.8 mm) holds the whole body
// cross-section and the middle of the lungs; 128x128x50 (mediastinum, inner lungs, spine) is for
// the filters that manage a fraction of a megavoxel per second.
constexpr Size kCrop{256, 256, 100};
constexpr Size kSmallCrop{128, 128, 50};
const std::optional<Size> kWhole;

ImageF::SizeType voxelRadius(const ImageF& image, double mm) {
  ImageF::SizeType r;
  for (unsigned d = 0; d < 3; ++d) r[d] = std::max<itk::SizeValueType>(1, std::lround(mm / image.GetSpacing()[d]));
  return r;
}

double minSpacing(const ImageF& image) {
  const auto& s = image.GetSpacing();
  return std::min({s[0], s[1], s[2]});
}

template <typename F>
void update(F& filter) {
  filter->Update();
}

LabelImage::Pointer threshold(const ImageF::Pointer& image, float lower, float upper) {
  auto t = itk::BinaryThresholdImageFilter<ImageF, LabelImage>::New();
  t->SetInput(image), t->SetLowerThreshold(lower), t->SetUpperThreshold(upper), t->SetInsideValue(1);
  t->SetOutsideValue(0), t->Update();
  return t->GetOutput();
}

// HU + 1024 (N4 fits log intensities, so it needs positive ones) times a smooth multiplicative
// bias for it to find: a surface coil's shading, up to +49% at the body's front left.
ImageF::Pointer biasedPositive(const ImageF::Pointer& image) {
  auto out = ImageF::New();
  out->CopyInformation(image);
  out->SetRegions(image->GetLargestPossibleRegion());
  out->Allocate();
  itk::ImageRegionConstIterator<ImageF> in(image, image->GetLargestPossibleRegion());
  itk::ImageRegionIteratorWithIndex<ImageF> it(out, out->GetLargestPossibleRegion());
  ImageF::PointType p;
  for (; !it.IsAtEnd(); ++it, ++in) {
    out->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    const double d2 = (p[0] - 50) * (p[0] - 50) + (p[1] + 70) * (p[1] + 70) + p[2] * p[2];
    it.Set(static_cast<float>((in.Get() + 1024) * std::exp(0.4 * std::exp(-d2 / (2 * 80 * 80)))));
  }
  return out;
}

// The centred part of `image` of `size`, starting at index 0 with the origin moved so physical
// positions (the seed at the origin) stay where they were.
ImageF::Pointer centredCrop(const ImageF::Pointer& image, const Size& size) {
  const auto whole = image->GetLargestPossibleRegion().GetSize();
  ImageF::RegionType region;
  for (unsigned d = 0; d < 3; ++d) {
    region.SetSize(d, size[d]);
    region.SetIndex(d, static_cast<itk::IndexValueType>((whole[d] - size[d]) / 2));
  }
  auto roi = itk::RegionOfInterestImageFilter<ImageF, ImageF>::New();
  roi->SetInput(image), roi->SetRegionOfInterest(region), roi->Update();
  return roi->GetOutput();
}

// Signed distance (mm) to a ball around `seed`, negative inside: the initial level set of
// threshold-level-set, computed the same plain way as the stage does.
ImageF::Pointer seedBall(const ImageF& image, const ImageF::IndexType& seed, double radius) {
  ImageF::PointType centre, point;
  image.TransformIndexToPhysicalPoint(seed, centre);
  auto phi = ImageF::New();
  phi->CopyInformation(&image);
  phi->SetRegions(image.GetLargestPossibleRegion());
  phi->Allocate();
  for (itk::ImageRegionIteratorWithIndex<ImageF> it(phi, phi->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it) {
    phi->TransformIndexToPhysicalPoint(it.GetIndex(), point);
    it.Set(static_cast<float>(point.EuclideanDistanceTo(centre) - radius));
  }
  return phi;
}

// Which volume data feeds a stage input. Isotropic is for patch-based denoising: ITK 5.2 builds its
// smooth-disc patch weights off-centre on anisotropic voxels and then refuses them ("Patch weights
// must be in the range [0,1]"), in the stage as in bare ITK, so both run on isotropic voxels.
enum class Data { Image, Bone, Body, Positive, Isotropic };
using Inputs = std::vector<std::pair<std::string, Data>>;  // stage input name -> what feeds it
const Inputs kImage{{"image", Data::Image}};

// One input volume and what the cases derive from it, made before any timing.
struct Volume {
  ImageF::Pointer image;      // HU
  LabelImage::Pointer bone;   // 300..3000 HU: solid pieces, for connected-components and label-statistics
  LabelImage::Pointer body;   // -500..3000 HU: the lungs are its enclosed holes, for fill-holes and N4's mask
  ImageF::Pointer positive;   // biasedPositive(image), for N4
  ImageF::Pointer isotropic;  // the same voxels, min spacing on every axis (see Data::Isotropic)
  ImageF::IndexType seed;     // the voxel at the physical origin: soft tissue between the lungs
  std::string size;           // "512x512x300"
  double megavoxels = 0;
};

// Derives only what `needs` lists: the whole volume's extras cost seconds and hundreds of MB each.
Volume makeVolume(const ImageF::Pointer& image, const std::set<Data>& needs) {
  Volume v;
  v.image = image;
  if (needs.count(Data::Bone)) v.bone = threshold(image, 300, 3000);
  if (needs.count(Data::Body)) v.body = threshold(image, -500, 3000);
  if (needs.count(Data::Positive)) v.positive = biasedPositive(image);
  if (needs.count(Data::Isotropic)) {
    v.isotropic = ImageF::New();  // shares the voxels, no copy
    v.isotropic->CopyInformation(image);
    v.isotropic->SetRegions(image->GetLargestPossibleRegion());
    v.isotropic->SetPixelContainer(image->GetPixelContainer());
    v.isotropic->SetSpacing(ImageF::SpacingType(minSpacing(*image)));
  }
  image->TransformPhysicalPointToIndex(ImageF::PointType(0.0), v.seed);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  v.size = std::to_string(size[0]) + "x" + std::to_string(size[1]) + "x" + std::to_string(size[2]);
  v.megavoxels = double(size[0]) * size[1] * size[2] / 1e6;
  return v;
}

StageData stageData(const Volume& v, Data data) {
  switch (data) {
    case Data::Image: return {v.image, nullptr, nullptr};
    case Data::Bone: return {nullptr, v.bone, nullptr};
    case Data::Body: return {nullptr, v.body, nullptr};
    case Data::Positive: return {v.positive, nullptr, nullptr};
    case Data::Isotropic: return {v.isotropic, nullptr, nullptr};
  }
  return {};
}

struct Case {
  std::string stage;
  std::map<std::string, ParameterValue> parameters;
  Inputs inputs;
  std::optional<Size> size;  // kWhole, or the crop a slow stage runs on
  std::function<void(const Volume&)> bare;
};

const Points kOriginSeed{{{0, 0, 0}}, false};

// A row per implementation the stage offers (ITK's first, then medpipe's "fast"), each against the
// bare ITK filter, so the fast rows show what medpipe's own filter gains; one row if there is no choice.
void addImplementationCases(std::vector<Case>& cases, const std::string& stage,
                            const std::map<std::string, ParameterValue>& parameters,
                            const std::function<void(const Volume&)>& bare) {
  const auto& declared = findStage(stage).spec().parameters;
  const auto implementation =
      std::find_if(declared.begin(), declared.end(), [](const ParameterSpec& p) { return p.name == "implementation"; });
  if (implementation == declared.end()) {
    cases.push_back({stage, parameters, kImage, kWhole, bare});
    return;
  }
  std::vector<std::string> choices = implementation->choices;
  std::stable_partition(choices.begin(), choices.end(), [](const std::string& c) { return c == "itk"; });
  for (const auto& choice : choices) {
    auto withChoice = parameters;
    withChoice["implementation"] = choice;
    cases.push_back({stage, withChoice, kImage, kWhole, bare});
  }
}

// The anisotropic diffusions, 2 iterations at the stages' stable time step, min spacing / 2^(dim+1).
template <typename Filter>
void addDiffusionCases(std::vector<Case>& cases, const std::string& stage) {
  addImplementationCases(cases, stage, {{"iterations", 2L}}, [](const Volume& v) {
    auto f = Filter::New();
    f->SetInput(v.image), f->SetNumberOfIterations(2), f->SetConductanceParameter(1.0);
    f->SetTimeStep(minSpacing(*v.image) / 16), update(f);
  });
}

// ITK's bilateral filter with the stage's parameters (ITK takes the domain sigma in mm too): a
// 2.5-sigma kernel, 15x15x11 voxels at 0.8x0.8x1 mm.
void bareBilateral(const Volume& v) {
  auto f = itk::BilateralImageFilter<ImageF, ImageF>::New();
  f->SetInput(v.image), f->SetDomainSigma(2.0), f->SetRangeSigma(100.0), update(f);
}

// ITK's patch-based denoising as the stage sets it up, 2 of its 5 iterations (the cost is per iteration).
const std::function<void(const Volume&)> barePatchBased = [](const Volume& v) {
  using Filter = itk::PatchBasedDenoisingImageFilter<ImageF, ImageF>;
  using Sampler =
      itk::Statistics::GaussianRandomSpatialNeighborSubsampler<Filter::PatchSampleType, ImageF::RegionType>;
  auto sampler = Sampler::New();  // the stage's: 20 patches, sd 5 voxels, within 10 voxels
  sampler->SetVariance(25), sampler->SetRadius(10), sampler->SetNumberOfResultsRequested(20);
  auto f = Filter::New();
  f->SetInput(v.isotropic), f->SetSampler(sampler), f->SetPatchRadius(1), f->SetNumberOfIterations(2);
  f->SetNoiseModel(Filter::NoiseModelEnum::GAUSSIAN), f->SetNoiseModelFidelityWeight(0);
  f->KernelBandwidthEstimationOn(), f->SetKernelBandwidthFractionPixelsForEstimation(0.05), update(f);
};

// Curvature flows at their default 5 iterations, the whole volume: time step 0 is the stages'
// stable bound, min spacing^2 / 2^(dim+1).
void addCurvatureFlowCases(std::vector<Case>& cases) {
  addImplementationCases(cases, "curvature-flow", {{"iterations", 5L}}, [](const Volume& v) {
    auto f = itk::CurvatureFlowImageFilter<ImageF, ImageF>::New();
    f->SetInput(v.image), f->SetNumberOfIterations(5), f->SetTimeStep(std::pow(minSpacing(*v.image), 2) / 16);
    update(f);
  });
  addImplementationCases(cases, "min-max-curvature-flow", {{"iterations", 5L}, {"stencil-radius", 1L}},
                         [](const Volume& v) {
                           auto f = itk::MinMaxCurvatureFlowImageFilter<ImageF, ImageF>::New();
                           f->SetInput(v.image), f->SetNumberOfIterations(5);
                           f->SetTimeStep(std::pow(minSpacing(*v.image), 2) / 16), f->SetStencilRadius(1), update(f);
                         });
}

std::vector<Case> allCases() {
  const Inputs& image = kImage;
  std::vector<Case> cases = {
      // Denoising.
      {"gaussian", {{"sigma", 1.0}}, image, kWhole, [](const Volume& v) {
         auto f = itk::SmoothingRecursiveGaussianImageFilter<ImageF, ImageF>::New();
         f->SetInput(v.image), f->SetSigma(1.0), update(f);
       }},
      {"mean", {{"radius", 1.0}}, image, kWhole, [](const Volume& v) {
         auto f = itk::MeanImageFilter<ImageF, ImageF>::New();
         f->SetInput(v.image), f->SetRadius(voxelRadius(*v.image, 1.0)), update(f);
       }},
      // Both implementations against ITK on the crop ITK manages (the fast ones on the whole CT:
      // bench/denoise_bench.sh).
      {"bilateral", {{"domain-sigma", 2.0}, {"range-sigma", 100.0}, {"implementation", std::string("itk")}}, image,
       kSmallCrop, bareBilateral},
      {"bilateral", {{"domain-sigma", 2.0}, {"range-sigma", 100.0}, {"implementation", std::string("fast")}}, image,
       kSmallCrop, bareBilateral},
  };
  addCurvatureFlowCases(cases);
  addImplementationCases(cases, "median", {{"radius", 1.0}}, [](const Volume& v) {
    auto f = itk::MedianImageFilter<ImageF, ImageF>::New();
    f->SetInput(v.image), f->SetRadius(voxelRadius(*v.image, 1.0)), update(f);
  });
  addDiffusionCases<itk::GradientAnisotropicDiffusionImageFilter<ImageF, ImageF>>(cases,
                                                                                  "gradient-anisotropic-diffusion");
  addDiffusionCases<itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>>(cases,
                                                                                   "curvature-anisotropic-diffusion");
  cases.insert(cases.end(), {
      // 2 of the default 5 iterations, as for the diffusions: the cost is per iteration.
      {"patch-based-denoising",
       {{"patch-radius", 1.0}, {"iterations", 2L}, {"patches", 20L}, {"implementation", std::string("itk")}},
       {{"image", Data::Isotropic}}, kSmallCrop, barePatchBased},
      // The fast one's defaults (one pass, 1 mm patches, 1.4 mm search box) against ITK's 2 iterations.
      {"patch-based-denoising", {{"implementation", std::string("fast")}}, {{"image", Data::Isotropic}}, kSmallCrop,
       barePatchBased},
      // The stage's chain in ITK filters: fit on a 4x shrunk copy, evaluate the log field's B-spline
      // over the shrunk grid's extent at input spacing, resample it onto the input, divide by exp.
      {"n4-bias-correction", {{"shrink-factor", 4L}, {"iterations", 50L}, {"fitting-levels", 4L}},
       {{"image", Data::Positive}, {"mask", Data::Body}}, kWhole, [](const Volume& v) {
         using N4 = itk::N4BiasFieldCorrectionImageFilter<ImageF, LabelImage, ImageF>;
         auto shrinkImage = itk::ShrinkImageFilter<ImageF, ImageF>::New();
         shrinkImage->SetInput(v.positive), shrinkImage->SetShrinkFactors(4), update(shrinkImage);
         auto shrinkMask = itk::ShrinkImageFilter<LabelImage, LabelImage>::New();
         shrinkMask->SetInput(v.body), shrinkMask->SetShrinkFactors(4);
         const ImageF::Pointer small = shrinkImage->GetOutput();
         auto n4 = N4::New();  // the body is >= 524 here, so the mask alone keeps N4 to positive voxels
         n4->SetInput(small), n4->SetMaskImage(shrinkMask->GetOutput()), n4->SetNumberOfFittingLevels(4);
         N4::VariableSizeArrayType iterations(4);
         iterations.Fill(50);
         n4->SetMaximumNumberOfIterations(iterations), update(n4);

         using Field = N4::ScalarImageType;
         auto bspline = itk::BSplineControlPointImageFilter<N4::BiasFieldControlPointLatticeType, Field>::New();
         bspline->SetInput(n4->GetLogBiasFieldControlPointLattice()), bspline->SetSplineOrder(n4->GetSplineOrder());
         Field::SizeType size;
         Field::SpacingType spacing;
         for (unsigned d = 0; d < 3; ++d) {
           size[d] = (small->GetLargestPossibleRegion().GetSize(d) - 1) * 4 + 1;
           spacing[d] = small->GetSpacing()[d] / 4;
         }
         bspline->SetSize(size), bspline->SetSpacing(spacing), bspline->SetOrigin(small->GetOrigin());
         bspline->SetDirection(small->GetDirection());
         auto component = itk::VectorIndexSelectionCastImageFilter<Field, ImageF>::New();
         component->SetInput(bspline->GetOutput()), component->SetIndex(0);
         auto resample = itk::ResampleImageFilter<ImageF, ImageF>::New();
         resample->SetInput(component->GetOutput()), resample->SetReferenceImage(v.positive);
         resample->UseReferenceImageOn();
         resample->SetInterpolator(itk::LinearInterpolateImageFunction<ImageF, double>::New());
         resample->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<ImageF, double>::New());
         auto bias = itk::ExpImageFilter<ImageF, ImageF>::New();
         bias->SetInput(resample->GetOutput());
         auto divide = itk::DivideImageFilter<ImageF, ImageF, ImageF>::New();
         divide->SetInput1(v.positive), divide->SetInput2(bias->GetOutput()), update(divide);
       }},

      // Segmentation.
      {"binary-threshold", {{"lower", 300.0}, {"upper", 3000.0}}, image, kWhole, [](const Volume& v) {
         auto f = itk::BinaryThresholdImageFilter<ImageF, LabelImage>::New();
         f->SetInput(v.image), f->SetLowerThreshold(300), f->SetUpperThreshold(3000), f->SetInsideValue(1);
         f->SetOutsideValue(0), update(f);
       }},
      {"otsu-threshold", {{"bins", 128L}}, image, kWhole, [](const Volume& v) {
         auto f = itk::OtsuThresholdImageFilter<ImageF, LabelImage>::New();
         f->SetInput(v.image), f->SetNumberOfHistogramBins(128), f->SetInsideValue(0), f->SetOutsideValue(1), update(f);
       }},
      {"multi-otsu-threshold", {{"classes", 3L}, {"bins", 128L}}, image, kWhole, [](const Volume& v) {
         auto f = itk::OtsuMultipleThresholdsImageFilter<ImageF, LabelImage>::New();
         f->SetInput(v.image), f->SetNumberOfThresholds(2), f->SetNumberOfHistogramBins(128), f->SetLabelOffset(0);
         update(f);
       }},
      // Region growing from the origin through soft tissue (40 HU, noise sd 20).
      {"connected-threshold", {{"seeds", kOriginSeed}, {"lower", -200.0}, {"upper", 200.0}}, image, kWhole,
       [](const Volume& v) {
         auto f = itk::ConnectedThresholdImageFilter<ImageF, LabelImage>::New();
         f->SetInput(v.image), f->AddSeed(v.seed), f->SetLower(-200), f->SetUpper(200), f->SetReplaceValue(1);
         update(f);
       }},
      {"confidence-connected",
       {{"seeds", kOriginSeed}, {"multiplier", 2.5}, {"iterations", 4L}, {"initial-radius", 1L}}, image, kWhole,
       [](const Volume& v) {
         auto f = itk::ConfidenceConnectedImageFilter<ImageF, LabelImage>::New();
         f->SetInput(v.image), f->AddSeed(v.seed), f->SetMultiplier(2.5), f->SetNumberOfIterations(4);
         f->SetInitialNeighborhoodRadius(1), f->SetReplaceValue(1), update(f);
       }},
      {"neighborhood-connected", {{"seeds", kOriginSeed}, {"lower", -200.0}, {"upper", 200.0}, {"radius", 1L}}, image,
       kWhole, [](const Volume& v) {
         auto f = itk::NeighborhoodConnectedImageFilter<ImageF, LabelImage>::New();
         ImageF::SizeType radius;
         radius.Fill(1);
         f->SetInput(v.image), f->AddSeed(v.seed), f->SetLower(-200), f->SetUpper(200), f->SetRadius(radius);
         f->SetReplaceValue(1), update(f);
       }},
      // 500 of the default 1000 iterations grow about 0.35 L of soft tissue; the front's cost grows
      // with its size, and 1000 took over 5 times as long on the crop.
      {"threshold-level-set",
       {{"seeds", kOriginSeed}, {"seed-radius", 5.0}, {"lower", -200.0}, {"upper", 200.0}, {"curvature-scaling", 1.0},
        {"iterations", 500L}},
       image, kWhole, [](const Volume& v) {
         auto f = itk::ThresholdSegmentationLevelSetImageFilter<ImageF, ImageF, float>::New();
         f->SetInput(seedBall(*v.image, v.seed, 5.0)), f->SetFeatureImage(v.image);
         f->SetLowerThreshold(-200), f->SetUpperThreshold(200), f->SetPropagationScaling(1.0);
         f->SetCurvatureScaling(1.0), f->SetNumberOfIterations(500), f->SetMaximumRMSError(0.02);
         f->SetIsoSurfaceValue(0);
         auto inside = itk::BinaryThresholdImageFilter<ImageF, LabelImage>::New();  // level sets are negative inside
         inside->SetInput(f->GetOutput()), inside->SetUpperThreshold(0), inside->SetInsideValue(1);
         inside->SetOutsideValue(0), update(inside);
       }},
      // Without markers: basins numbered by size in 32 bits, then those beyond 255 dropped to 0.
      {"watershed", {{"sigma", 1.0}, {"level", 30.0}}, image, kWhole, [](const Volume& v) {
         auto gradient = itk::GradientMagnitudeRecursiveGaussianImageFilter<ImageF, ImageF>::New();
         gradient->SetInput(v.image), gradient->SetSigma(1.0);
         auto w = itk::MorphologicalWatershedImageFilter<ImageF, LabelU32>::New();
         w->SetInput(gradient->GetOutput()), w->SetLevel(30), w->SetFullyConnected(false);
         w->SetMarkWatershedLine(false);  // ITK marks lines by default, the stage does not
         auto bySize = itk::RelabelComponentImageFilter<LabelU32, LabelU32>::New();
         bySize->SetInput(w->GetOutput());
         auto toLabels = itk::UnaryGeneratorImageFilter<LabelU32, LabelImage>::New();
         toLabels->SetInput(bySize->GetOutput());
         toLabels->SetFunctor([](std::uint32_t l) { return static_cast<std::uint8_t>(l <= 255 ? l : 0); });
         update(toLabels);
       }},
      {"connected-components", {{"keep-largest", 1L}}, {{"labels", Data::Bone}}, kWhole, [](const Volume& v) {
         auto c = itk::ConnectedComponentImageFilter<LabelImage, LabelU32>::New();
         c->SetInput(v.bone);
         auto r = itk::RelabelComponentImageFilter<LabelU32, LabelU32>::New();
         r->SetInput(c->GetOutput()), r->InPlaceOn();  // as the stage: one 32-bit volume instead of two
         auto keep = itk::BinaryThresholdImageFilter<LabelU32, LabelImage>::New();  // the largest, as uint8
         keep->SetInput(r->GetOutput()), keep->SetLowerThreshold(1), keep->SetUpperThreshold(1);
         keep->SetInsideValue(1), keep->SetOutsideValue(0), update(keep);
       }},
      {"fill-holes", {{"foreground-value", 1L}}, {{"labels", Data::Body}}, kWhole, [](const Volume& v) {
         auto f = itk::BinaryFillholeImageFilter<LabelImage>::New();
         f->SetInput(v.body), f->SetForegroundValue(1), f->SetFullyConnected(false), update(f);
       }},

      // Measurement.
      {"label-statistics", {}, {{"image", Data::Image}, {"labels", Data::Bone}}, kWhole, [](const Volume& v) {
         auto f = itk::LabelStatisticsImageFilter<ImageF, LabelImage>::New();
         f->SetInput(v.image), f->SetLabelInput(v.bone), update(f);
       }},
  });
  return cases;
}

std::set<std::string> splitNames(const std::string& list) {
  std::set<std::string> names;
  std::istringstream in(list);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) names.insert(name);
  return names;
}

// Enough decimals that the slowest filters (a fraction of a megavoxel per second) keep two digits.
int decimals(double megavoxelsPerSecond) { return megavoxelsPerSecond < 1 ? 3 : 1; }

int usage() {
  std::fprintf(stderr, "usage: stage_bench [X Y Z] [runs] [STAGE,...]   (or STAGES=STAGE,... in the environment)\n");
  return 2;
}

// Every case of a stage that offers implementations but whose case picks none, once per
// implementation (ITK's first), as addImplementationCases does: cases with their own inputs (N4).
std::vector<Case> withImplementationRows(std::vector<Case> cases) {
  std::vector<Case> rows;
  for (auto& c : cases) {
    const auto& declared = findStage(c.stage).spec().parameters;
    const auto implementation = std::find_if(declared.begin(), declared.end(),
                                             [](const ParameterSpec& p) { return p.name == "implementation"; });
    if (c.parameters.count("implementation") || implementation == declared.end()) {
      rows.push_back(std::move(c));
      continue;
    }
    std::vector<std::string> choices = implementation->choices;
    std::stable_partition(choices.begin(), choices.end(), [](const std::string& choice) { return choice == "itk"; });
    for (const auto& choice : choices) {
      rows.push_back(c);
      rows.back().parameters["implementation"] = choice;
    }
  }
  return rows;
}

// Resident memory of this process, MB: `field` is "VmRSS:" (now) or "VmHWM:" (the peak).
double residentMb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + field.size()) / 1024;
  return 0;
}

// `work`, with the peak resident memory it added to what was resident when it started (MB) raised
// into `peak`: the kernel's high-water mark is reset first (clear_refs 5, Linux >= 4.0). Volumes
// are allocated with mmap (glibc: above 32 MB) and so given back when freed: each run starts low.
std::function<void()> withPeak(const std::function<void()>& work, double& peak) {
  return [&work, &peak] {
    std::ofstream("/proc/self/clear_refs") << "5";
    const double before = residentMb("VmRSS:");
    work();
    peak = std::max(peak, residentMb("VmHWM:") - before);
  };
}

}  // namespace

int main(int argc, char** argv) try {
  std::vector<int> numbers;
  const char* fromEnvironment = std::getenv("STAGES");
  std::string only = fromEnvironment ? fromEnvironment : "";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') return usage();
    if (std::all_of(arg.begin(), arg.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      if (std::atoi(arg.c_str()) <= 0) return usage();
      numbers.push_back(std::atoi(arg.c_str()));
    } else {
      only = arg;
    }
  }
  if (numbers.size() != 0 && numbers.size() != 3 && numbers.size() != 4) return usage();

  std::vector<Case> cases = withImplementationRows(allCases());
  if (const auto wanted = splitNames(only); !wanted.empty()) {
    std::vector<Case> chosen;
    for (auto& c : cases)
      if (wanted.count(c.stage)) chosen.push_back(std::move(c));
    for (const auto& name : wanted) {
      if (std::none_of(chosen.begin(), chosen.end(), [&](const Case& c) { return c.stage == name; })) {
        std::string known;
        for (const auto& c : allCases())
          if (known.find(c.stage) == std::string::npos) known += (known.empty() ? "" : ", ") + c.stage;
        std::fprintf(stderr, "stage_bench: no case for stage '%s'; cases: %s\n", name.c_str(), known.c_str());
        return 2;
      }
    }
    cases = std::move(chosen);
  }

  PhantomSpec spec;
  spec.size = {512, 512, 300};
  spec.spacing = {0.8, 0.8, 1.0};
  if (numbers.size() >= 3) spec.size = {unsigned(numbers[0]), unsigned(numbers[1]), unsigned(numbers[2])};
  const int runs = numbers.size() == 4 ? numbers[3] : 3;
  itk::Object::GlobalWarningDisplayOff();
  const ImageF::Pointer image = makeBodyPhantom(spec).image;
  // One volume per size in use (a crop no smaller than the whole volume is the whole volume), with
  // what its cases need.
  const auto sizeOf = [&](const Case& c) {
    Size size = spec.size;
    if (c.size)
      for (unsigned d = 0; d < 3; ++d) size[d] = std::min(size[d], (*c.size)[d]);
    return size;
  };
  std::map<Size, std::set<Data>> needs;
  for (const auto& c : cases)
    for (const auto& input : c.inputs) needs[sizeOf(c)].insert(input.second);
  std::map<Size, Volume> volumes;
  for (const auto& [size, data] : needs)
    volumes.emplace(size, makeVolume(size == spec.size ? image : centredCrop(image, size), data));

  // Memory: the peak a run added to the resident input, MB, and the stage's whole peak (input
  // included) in float volumes of the input's size.
  std::printf("| stage | size | bare ITK s | stage s | bare Mvox/s | stage Mvox/s | speed-up | bare MB | stage MB | "
              "stage volumes |\n|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  int status = 0;
  for (const auto& c : cases) {
    const Volume& v = volumes.at(sizeOf(c));
    StageInputs inputs;
    for (const auto& [name, data] : c.inputs) inputs[name] = stageData(v, data);
    std::string label = c.stage;
    for (const auto& [name, value] : c.parameters)
      if (name == "implementation") label += " (" + formatParameterValue(value) + ")";
    for (const auto& [name, data] : c.inputs)
      if (data == Data::Isotropic) label += " (isotropic voxels)";
    try {
      const Stage& stage = findStage(c.stage);
      // Bare then stage within each run, so drifting load hits both.
      double barePeak = 0, stagePeak = 0;
      const std::function<void()> runBare = [&] { c.bare(v); };
      const std::function<void()> runWrapped = [&] { runStage(stage, inputs, c.parameters); };
      const auto [bare, wrapped] =
          interleavedMedianSeconds(runs, withPeak(runBare, barePeak), withPeak(runWrapped, stagePeak));
      const double bareRate = v.megavoxels / bare, stageRate = v.megavoxels / wrapped;
      const double volumeMb = v.megavoxels * sizeof(float);
      std::printf("| %s | %s | %.2f | %.2f | %.*f | %.*f | %.2f | %.0f | %.0f | %.1f |\n", label.c_str(), v.size.c_str(),
                  bare, wrapped, decimals(bareRate), bareRate, decimals(stageRate), stageRate, bare / wrapped, barePeak,
                  stagePeak, 1 + stagePeak / volumeMb);
    } catch (const std::exception& e) {  // one failing case must not cost the rest of a long run
      std::printf("| %s | %s | failed | failed | | | | | | |\n", label.c_str(), v.size.c_str());
      std::fprintf(stderr, "stage_bench: %s: %s\n", label.c_str(), e.what());
      status = 1;
    }
    std::fflush(stdout);
  }
  return status;
} catch (const std::exception& e) {
  std::fprintf(stderr, "stage_bench: %s\n", e.what());
  return 1;
}
