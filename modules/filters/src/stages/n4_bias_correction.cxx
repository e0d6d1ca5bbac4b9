// n4-bias-correction: removes a smooth multiplicative intensity bias (MR coil shading) with ITK's N4.
// The field is fitted on a shrunk copy for speed, then its B-spline is evaluated at full resolution
// and the full-resolution input is divided by it, so no detail is lost to the shrinking.
#include <itkBSplineControlPointImageFilter.h>
#include <itkImageRegionIterator.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkN4BiasFieldCorrectionImageFilter.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkShrinkImageFilter.h>

#include <algorithm>
#include <cmath>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

using N4Filter = itk::N4BiasFieldCorrectionImageFilter<ImageF, LabelImage, ImageF>;

class N4BiasCorrectionStage : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec spec{
        "n4-bias-correction", StageCategory::Utility, "N4 correction of a smooth multiplicative bias field (MR)",
        {{"image", DataKind::Image, "image with positive intensities (voxels <= 0 are left out of the fit)"},
         {"mask", DataKind::Labels, "non-zero = voxels the field is fitted to, e.g. the head or body", true}},
        DataKind::Image,
        {ParameterSpec::integer("shrink-factor", 4, 1, 16,
                                "the field is fitted on the image shrunk this much per axis (it is smooth)"),
         ParameterSpec::integer("iterations", 50, 1, 1000, "maximum iterations at each fitting level"),
         ParameterSpec::integer("fitting-levels", 4, 1, 8,
                                "B-spline refinements; each doubles the field's resolution (4 levels: 8 spans/axis)")},
        "unbias:\n  stage: n4-bias-correction\n  input: {image: t1, mask: head}\n  shrink-factor: 4\n"
        "  iterations: 50\n"};
    return spec;
  }

  StageData run(const StageInputs& in, const ParameterValues& p, const Progress& progress) const override {
    const ImageF::Pointer image = in.at("image").image;
    const auto mask = in.count("mask") ? in.at("mask").labels : LabelImage::Pointer();
    if (mask) requireSameGrid(*image, *mask, spec().name, "mask");
    const auto size = image->GetLargestPossibleRegion().GetSize();
    if (size[0] < 2 || size[1] < 2)
      throw Error("", spec().name,
                  "needs at least 2 voxels along x and y (its B-spline field is fitted over the image), got " +
                      formatSize(size));
    if (size[2] != 1) return {correct(image, mask, p, progress), nullptr, nullptr};
    // One slice: its B-spline field needs an extent along z, so the fit runs on two copies of the
    // slice, where the field comes out constant along z: the 2D field of the slice.
    const ImageF::Pointer corrected =
        correct(twoCopies(*image), mask ? twoCopies(*mask) : mask, p, progress);
    return {firstSlice(*corrected, *image), nullptr, nullptr};
  }

 private:
  template <typename TImage>
  static typename TImage::Pointer twoCopies(const TImage& slice) {
    auto stack = TImage::New();
    stack->CopyInformation(&slice);
    auto size = slice.GetLargestPossibleRegion().GetSize();
    size[2] = 2;
    stack->SetRegions(size);
    stack->Allocate();
    const size_t count = slice.GetPixelContainer()->Size();
    std::copy(slice.GetBufferPointer(), slice.GetBufferPointer() + count, stack->GetBufferPointer());
    std::copy(slice.GetBufferPointer(), slice.GetBufferPointer() + count, stack->GetBufferPointer() + count);
    return stack;
  }

  static ImageF::Pointer firstSlice(const ImageF& stack, const ImageF& like) {
    auto out = ImageF::New();
    out->CopyInformation(&like);
    out->SetRegions(like.GetLargestPossibleRegion());
    out->Allocate();
    std::copy(stack.GetBufferPointer(), stack.GetBufferPointer() + like.GetPixelContainer()->Size(),
              out->GetBufferPointer());
    return out;
  }

  ImageF::Pointer correct(const ImageF::Pointer& image, const LabelImage::Pointer& mask, const ParameterValues& p,
                          const Progress& progress) const {
    const std::string& name = spec().name;

    // Shrink so every axis keeps at least 2 voxels (run() saw to 2 or more): the B-spline domain must
    // not collapse.
    const auto size = image->GetLargestPossibleRegion().GetSize();
    itk::FixedArray<unsigned, Dimension> factors;
    for (unsigned d = 0; d < Dimension; ++d) {
      factors[d] =
          static_cast<unsigned>(std::clamp<long>(static_cast<long>(size[d] / 2), 1L, p.integer("shrink-factor")));
    }
    auto shrinkImage = itk::ShrinkImageFilter<ImageF, ImageF>::New();
    shrinkImage->SetInput(image);
    shrinkImage->SetShrinkFactors(factors);
    const ImageF::Pointer small = runFilter(*shrinkImage, progress, name);

    // Fit only to positive voxels inside the mask: N4 works on log intensities.
    auto fitMask = LabelImage::New();
    fitMask->CopyInformation(small);
    fitMask->SetRegions(small->GetLargestPossibleRegion());
    fitMask->Allocate(true);
    LabelImage::Pointer smallMask;
    if (mask) {
      auto shrinkMask = itk::ShrinkImageFilter<LabelImage, LabelImage>::New();
      shrinkMask->SetInput(mask);
      shrinkMask->SetShrinkFactors(factors);
      smallMask = runFilter(*shrinkMask, progress, name);
    }
    size_t fitted = 0;
    for (itk::ImageRegionIterator<LabelImage> it(fitMask, fitMask->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it) {
      const bool inside = small->GetPixel(it.GetIndex()) > 0 && (!smallMask || smallMask->GetPixel(it.GetIndex()) != 0);
      it.Set(inside ? 1 : 0);
      fitted += inside;
    }
    if (fitted == 0) throw Error("", name, "no positive voxel inside the mask to fit the bias field to");

    auto n4 = N4Filter::New();
    n4->SetInput(small);
    n4->SetMaskImage(fitMask);
    const auto levels = static_cast<unsigned>(p.integer("fitting-levels"));
    n4->SetNumberOfFittingLevels(levels);
    N4Filter::VariableSizeArrayType iterations(levels);
    iterations.Fill(static_cast<unsigned>(p.integer("iterations")));
    n4->SetMaximumNumberOfIterations(iterations);
    updateFilter(*n4, progress, name);

    // The log field's B-spline over the shrunk grid's extent, sampled at the input's spacing.
    using FieldImage = N4Filter::ScalarImageType;
    auto bspline = itk::BSplineControlPointImageFilter<N4Filter::BiasFieldControlPointLatticeType, FieldImage>::New();
    bspline->SetInput(n4->GetLogBiasFieldControlPointLattice());
    bspline->SetSplineOrder(n4->GetSplineOrder());
    FieldImage::SizeType fieldSize;
    FieldImage::SpacingType fieldSpacing;
    const auto smallSize = small->GetLargestPossibleRegion().GetSize();
    for (unsigned d = 0; d < Dimension; ++d) {
      fieldSize[d] = (smallSize[d] - 1) * factors[d] + 1;
      fieldSpacing[d] = small->GetSpacing()[d] / factors[d];
    }
    bspline->SetSize(fieldSize);
    bspline->SetSpacing(fieldSpacing);
    bspline->SetOrigin(small->GetOrigin());
    bspline->SetDirection(small->GetDirection());
    const auto field = runFilter(*bspline, progress, name);

    auto logField = ImageF::New();
    logField->CopyInformation(field);
    logField->SetRegions(field->GetLargestPossibleRegion());
    logField->Allocate();
    std::transform(field->GetBufferPointer(), field->GetBufferPointer() + field->GetPixelContainer()->Size(),
                   logField->GetBufferPointer(), [](const FieldImage::PixelType& v) { return v[0]; });

    // Onto the input's grid: the shrunk grid is centred on the input, so it sits a fraction of a
    // voxel inside it; the rim repeats the nearest field value.
    auto resample = itk::ResampleImageFilter<ImageF, ImageF>::New();
    resample->SetInput(logField);
    resample->SetReferenceImage(image);
    resample->UseReferenceImageOn();
    resample->SetInterpolator(itk::LinearInterpolateImageFunction<ImageF, double>::New());
    resample->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<ImageF, double>::New());
    const ImageF::Pointer fullLogField = runFilter(*resample, progress, name);

    auto corrected = ImageF::New();
    corrected->CopyInformation(image);
    corrected->SetRegions(image->GetLargestPossibleRegion());
    corrected->Allocate();
    const size_t count = image->GetPixelContainer()->Size();
    const float* input = image->GetBufferPointer();
    const float* logBias = fullLogField->GetBufferPointer();
    float* output = corrected->GetBufferPointer();
    for (size_t i = 0; i < count; ++i) output[i] = input[i] / std::exp(logBias[i]);
    return corrected;
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(n4_bias_correction, medpipe::N4BiasCorrectionStage)
