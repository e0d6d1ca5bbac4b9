// Sliding-window inference of a model card's network on an ITK image (see unet_inference.h).
#include "unet_inference.h"

#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "itk_stage_support.h"
#include "medpipe/core/error.h"
#include "medpipe/core/parallel.h"
#include "medpipe/deep/network.h"
#include "medpipe/deep/normalisation.h"

namespace medpipe {
namespace {

using deep::ModelCard;

// Checked when the config is validated, so a missing model or a build without libtorch is a
// config error (exit 2) rather than a failed unit.
void checkModel(const std::string& model) {
  if (!deep::torchAvailable()) throw Error("", "", deep::kWithoutTorch);
  deep::startLoadingTorch();  // in the background, while the run reads its input
  const ModelCard card = deep::readModelCard(model);  // throws naming the card and field
  if (!std::filesystem::exists(card.weightsPath()))
    throw Error(card.weightsPath().string(), "", "the card's weights file is missing");
}

// The grid the network sees: axes along L, P, S (the card's orientation), the card's spacing, covering
// the input's box (voxel edges), one voxel along an axis thinner than one of the model's.
ImageF::Pointer modelGrid(const ImageF& image, const ModelCard& card) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  std::array<double, 3> lo{}, hi{};
  lo.fill(std::numeric_limits<double>::infinity());
  hi.fill(-std::numeric_limits<double>::infinity());
  for (int corner = 0; corner < 8; ++corner) {
    itk::ContinuousIndex<double, Dimension> index;
    for (unsigned a = 0; a < 3; ++a) index[a] = (corner >> a & 1) ? double(size[a]) - 0.5 : -0.5;
    ImageF::PointType point;
    image.TransformContinuousIndexToPhysicalPoint(index, point);
    for (unsigned a = 0; a < 3; ++a) lo[a] = std::min(lo[a], point[a]), hi[a] = std::max(hi[a], point[a]);
  }
  auto grid = ImageF::New();
  ImageF::SizeType gridSize;
  ImageF::SpacingType spacing;
  ImageF::PointType origin;
  for (unsigned a = 0; a < 3; ++a) {
    spacing[a] = card.spacing[a];
    gridSize[a] = std::max<itk::SizeValueType>(1, itk::SizeValueType(std::lround((hi[a] - lo[a]) / spacing[a])));
    // Centred on the input's box, so a box that is not a whole number of model voxels loses or gains evenly.
    origin[a] = (lo[a] + hi[a]) / 2 - (double(gridSize[a]) - 1) * spacing[a] / 2;
  }
  grid->SetRegions(gridSize);
  grid->SetSpacing(spacing);
  grid->SetOrigin(origin);
  grid->Allocate();
  return grid;
}

template <typename TImage>
typename TImage::Pointer resampleOnto(const TImage& image, const itk::ImageBase<Dimension>& grid, bool linear,
                                      const Progress& progress, const std::string& stage) {
  auto filter = itk::ResampleImageFilter<TImage, TImage>::New();
  filter->SetInput(&image);
  filter->SetSize(grid.GetLargestPossibleRegion().GetSize());
  filter->SetOutputSpacing(grid.GetSpacing());
  filter->SetOutputOrigin(grid.GetOrigin());
  filter->SetOutputDirection(grid.GetDirection());
  if (linear) filter->SetInterpolator(itk::LinearInterpolateImageFunction<TImage, double>::New());
  else filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<TImage, double>::New());
  filter->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<TImage, double>::New());
  return runFilter(*filter, progress, stage);
}

deep::WindowOptions windowOptions(const ParameterValues& p) {
  deep::WindowOptions o;
  o.mode = p.choice("mode") == "nnunet" ? deep::WindowMode::NnUnet : deep::WindowMode::Monai;
  o.overlap = p.number("overlap");
  o.blend = p.choice("blend") == "constant" ? deep::Blend::Constant : deep::Blend::Gaussian;
  o.mirror = p.flag("mirror");
  o.batch = size_t(p.integer("batch"));
  return o;
}

}  // namespace

std::vector<ParameterSpec> unetParameters() {
  auto model = ParameterSpec::text("model", "", "a model folder (model.json + weights) or a TorchScript file.pt with file.json",
                                   "the model: its card says the patch, spacing, normalisation and labels "
                                   "(docs/deep-learning.md)",
                                   checkModel);
  model.required = true;
  return {model,
          ParameterSpec::choice("mode", "monai", {"monai", "nnunet"},
                                "window placement and blending: MONAI's sliding_window_inference (overlap, blend) or "
                                "nnU-Net's predictor (step 0.5 of the patch, Gaussian weights)"),
          ParameterSpec::number("overlap", 0.25, 0.0, 0.95, "", "monai: the share of a patch neighbouring windows overlap"),
          ParameterSpec::choice("blend", "gaussian", {"gaussian", "constant"},
                                "monai: weights of a window's voxels when blending (Gaussian sigma = 0.125 x patch)"),
          ParameterSpec::flag("mirror", false,
                              "average the predictions over all 8 combinations of axis flips (nnU-Net's test-time "
                              "mirroring; 8 times the forward passes)"),
          ParameterSpec::integer("batch", 1, 1, 64,
                                 "patches per step, at least one per thread, each through the network on its own "
                                 "thread (memory: the batch and one accumulator per class)")};
}

UnetResult runUnet(const ImageF& image, const ParameterValues& p, const Progress& progress, const std::string& stage,
                   int probabilityOf) {
  const ModelCard card = deep::readModelCard(p.text("model"));
  deep::waitForTorch(progress);  // cancellable, unlike the loading itself
  const auto network = deep::loadNetwork(card);
  if (probabilityOf && std::none_of(card.labels.begin(), card.labels.end(),
                                    [&](const deep::LabelInfo& l) { return l.value == probabilityOf; }))
    throw Error(card.folder.string(), "label", "the model has no label " + std::to_string(probabilityOf));

  const auto grid = modelGrid(image, card);
  const auto onGrid = resampleOnto(image, *grid, true, progress, stage);
  const auto size = onGrid->GetLargestPossibleRegion().GetSize();
  const deep::Size3 size3{size[0], size[1], size[2]};
  const size_t voxels = size[0] * size[1] * size[2];
  std::vector<float> input(onGrid->GetBufferPointer(), onGrid->GetBufferPointer() + voxels);
  deep::normalise(input, card.normalisation);

  const unsigned threads = workerThreadCount();
  const size_t channels = size_t(card.outputChannels());
  const auto forward = [&](const float* patches, size_t count, float* logits) {
    network->forward(patches, count, logits, threads);
  };
  deep::WindowOptions options = windowOptions(p);
  options.batch = std::max<size_t>(options.batch, threads);  // a patch for each thread at every step
  auto result = deep::slidingWindow(input.data(), size3, card.patch, channels, options, forward, progress);
  const bool sigmoid = card.activation == "sigmoid";
  if (sigmoid) deep::sigmoidInPlace(result.logits);
  else deep::softmaxInPlace(result.logits, channels);
  const std::vector<float>& probabilities = result.logits;

  UnetResult r;
  if (!probabilityOf) {
    // Labels: softmax's most probable class (0 = background); sigmoid's most probable label above threshold.
    auto labels = LabelImage::New();
    labels->CopyInformation(onGrid);
    labels->SetRegions(onGrid->GetLargestPossibleRegion());
    labels->Allocate();
    auto* out = labels->GetBufferPointer();
    for (size_t i = 0; i < voxels; ++i) {
      size_t best = 0;
      float bestP = sigmoid ? float(card.threshold) : -1.0f;
      for (size_t c = 0; c < channels; ++c)
        if (probabilities[c * voxels + i] > bestP) bestP = probabilities[c * voxels + i], best = sigmoid ? c + 1 : c;
      if (sigmoid && bestP <= card.threshold) best = 0;
      out[i] = best ? LabelImage::PixelType(card.labels[best - 1].value) : 0;
    }
    r.labels = resampleOnto(*labels, image, false, progress, stage);
    return r;
  }
  size_t channel = 0;
  for (size_t l = 0; l < card.labels.size(); ++l)
    if (card.labels[l].value == probabilityOf) channel = sigmoid ? l : l + 1;
  auto map = ImageF::New();
  map->CopyInformation(onGrid);
  map->SetRegions(onGrid->GetLargestPossibleRegion());
  map->Allocate();
  std::copy_n(probabilities.data() + channel * voxels, voxels, map->GetBufferPointer());
  r.probability = resampleOnto(*map, image, true, progress, stage);
  return r;
}

}  // namespace medpipe
