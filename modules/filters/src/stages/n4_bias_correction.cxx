// n4-bias-correction: removes a smooth multiplicative intensity bias (MR coil shading) with ITK's N4.
// The field is fitted on a shrunk copy for speed, then its B-spline is evaluated at full resolution
// and the full-resolution input is divided by it, so no detail is lost to the shrinking.
#include <itkBSplineControlPointImageFilter.h>
#include <itkBSplineKernelFunction.h>
#include <itkImageRegionIterator.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkN4BiasFieldCorrectionImageFilter.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkMultiThreaderBase.h>
#include <itkShrinkImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

#include "itk_stage_support.h"
#include "medpipe/filters/stage.h"
#include "voxel_grid.h"

namespace medpipe {
namespace {

using N4Filter = itk::N4BiasFieldCorrectionImageFilter<ImageF, LabelImage, ImageF>;
using Lattice = N4Filter::BiasFieldControlPointLatticeType;

// A cubic B-spline's 4 weights and first control point at each sample along one axis, computed
// as BSplineControlPointImageFilter does (float parameter, double kernel rounded to float).
struct AxisWeights {
  std::vector<long> first;
  std::vector<std::array<float, 4>> weights;
};

AxisWeights axisWeights(long controlPoints, long samples, double spacing) {
  using Real = float;  // BSplineControlPointImageFilter::RealType
  constexpr long kOrder = 3;
  const Real spans = static_cast<Real>(controlPoints - kOrder);
  const Real r = static_cast<Real>(controlPoints - kOrder) / (static_cast<Real>(samples - 1) * spacing);
  const Real epsilon = r * spacing * static_cast<Real>(1e-3);  // its default BSplineEpsilon
  const auto kernel = itk::BSplineKernelFunction<3>::New();
  AxisWeights axis;
  for (long t = 0; t < samples; ++t) {
    Real u = spans * static_cast<Real>(t) / static_cast<Real>(samples - 1);
    if (std::abs(u - spans) <= epsilon) u = spans - epsilon;
    if (u < 0 && std::abs(u) <= epsilon) u = 0;
    if (u < 0 || u >= spans) throw std::logic_error("n4-bias-correction: B-spline parameter outside its domain");
    std::array<float, 4> w;
    for (long i = 0; i <= kOrder; ++i) {
      const long index = long(static_cast<unsigned>(u)) + i;
      const Real v = u - index + 0.5 * static_cast<Real>(kOrder - 1);
      w[size_t(i)] = static_cast<Real>(kernel->Evaluate(v));
    }
    axis.first.push_back(long(static_cast<unsigned>(u)));
    axis.weights.push_back(w);
  }
  return axis;
}

// BSplineControlPointImageFilter's cubic B-spline of `lattice` over a grid of `size` samples, with
// the same voxels: ITK collapses the lattice along z, then y, then x for every voxel (64 products
// and an indexed iterator each); here z is collapsed once per slice and y once per row, in the
// same order with the same float arithmetic. Cancellable per slice.
// Slices [z0, z1) of it only: an image whose region starts at slice z0 (so its continuous indices
// are the whole field's).
ImageF::Pointer cubicBSpline(const Lattice& lattice, const ImageF::SizeType& size, const ImageF::SpacingType& spacing,
                             long z0, long z1, const Progress& progress, const std::string& stage) {
  const auto points = lattice.GetLargestPossibleRegion().GetSize();
  const long px = long(points[0]), py = long(points[1]), pz = long(points[2]);
  const AxisWeights wx = axisWeights(px, long(size[0]), spacing[0]), wy = axisWeights(py, long(size[1]), spacing[1]),
                    wz = axisWeights(pz, long(size[2]), spacing[2]);
  ImageF::RegionType slab({0, 0, z0}, {size[0], size[1], itk::SizeValueType(z1 - z0)});
  auto field = ImageF::New();
  field->SetRegions(slab);
  field->SetSpacing(spacing);
  field->Allocate();
  const auto* control = lattice.GetBufferPointer();
  const long nx = long(size[0]), ny = long(size[1]);
  float* out = field->GetBufferPointer();
  itk::MultiThreaderBase::New()->ParallelizeArray(
      itk::SizeValueType(z0), itk::SizeValueType(z1),
      [&](itk::SizeValueType zu) {
        if (progress.cancelled()) throw Error("", stage, "cancelled");
        const long z = long(zu);
        std::vector<float> plane(static_cast<size_t>(px * py)), line(static_cast<size_t>(px));
        for (long b = 0; b < py; ++b)
          for (long a = 0; a < px; ++a) {
            float sum = 0;
            for (long c = 0; c < 4; ++c) sum += control[((wz.first[z] + c) * py + b) * px + a][0] * wz.weights[z][c];
            plane[size_t(b * px + a)] = sum;
          }
        for (long y = 0; y < ny; ++y) {
          for (long a = 0; a < px; ++a) {
            float sum = 0;
            for (long c = 0; c < 4; ++c) sum += plane[size_t((wy.first[y] + c) * px + a)] * wy.weights[y][c];
            line[size_t(a)] = sum;
          }
          float* row = out + ((z - z0) * ny + y) * nx;
          for (long x = 0; x < nx; ++x) {
            float sum = 0;
            for (long c = 0; c < 4; ++c) sum += line[size_t(wx.first[x] + c)] * wx.weights[x][c];
            row[x] = sum;
          }
        }
      },
      nullptr);
  return field;
}

// The same through ITK's filter (implementation: itk, and any lattice the fast one does not assume).
ImageF::Pointer itkCubicBSpline(const Lattice* lattice, const ImageF::SizeType& size,
                                const ImageF::SpacingType& spacing, unsigned order,
                                const Progress& progress, const std::string& stage) {
  using FieldImage = N4Filter::ScalarImageType;
  auto bspline = itk::BSplineControlPointImageFilter<Lattice, FieldImage>::New();
  bspline->SetInput(lattice);
  bspline->SetSplineOrder(order);
  bspline->SetSize(size);
  bspline->SetSpacing(spacing);
  const auto field = runFilter(*bspline, progress, stage);
  auto logField = ImageF::New();
  logField->SetRegions(size);
  logField->SetSpacing(spacing);
  logField->Allocate();
  std::transform(field->GetBufferPointer(), field->GetBufferPointer() + field->GetPixelContainer()->Size(),
                 logField->GetBufferPointer(), [](const FieldImage::PixelType& v) { return v[0]; });
  return logField;
}

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
                                "B-spline refinements; each doubles the field's resolution (4 levels: 8 spans/axis)"),
         ParameterSpec::choice("implementation", "fast", {"fast", "itk"},
                               "how the fitted field is evaluated at full resolution: fast: medpipe's separable, "
                               "multithreaded evaluation, a slab of slices at a time (the same voxels; at the peak "
                               "the input, the output and a few MB); itk: itk::BSplineControlPointImageFilter (the "
                               "whole field: one float volume more)")},
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
    // ITK's N4 checks for no abort and reports no progress, but it invokes an IterationEvent after
    // every iteration of its fit (a fraction of a second on a CT shrunk by 4): that is where a
    // cancel stops it, and where the fit reports how far it is (as the share of its iteration budget).
    auto iterationObserver = itk::CStyleCommand::New();
    struct FitState {
      const Progress* progress;
      const std::string* stage;
      double budget;
      unsigned done;
    } fit{&progress, &name, double(levels) * double(p.integer("iterations")), 0};
    iterationObserver->SetClientData(&fit);
    iterationObserver->SetCallback([](itk::Object*, const itk::EventObject&, void* data) {
      auto* f = static_cast<FitState*>(data);
      ++f->done;  // levels that converge early leave part of the budget unused
      try {
        f->progress->report(std::min(0.9, 0.9 * f->done / f->budget), *f->stage);  // throws once cancelled
      } catch (const Error&) {
        if (f->progress->cancelled()) throw itk::ProcessAborted(__FILE__, __LINE__);  // updateFilter: "cancelled"
        throw;
      }
    });
    n4->AddObserver(itk::IterationEvent(), iterationObserver);
    updateFilter(*n4, progress, name);

    // The log field's B-spline over the shrunk grid's extent, sampled at the input's spacing.
    const Lattice* lattice = n4->GetLogBiasFieldControlPointLattice();
    bool cubicFromZero = true;  // what the fast evaluation assumes; N4 makes such lattices
    for (unsigned d = 0; d < Dimension; ++d)
      cubicFromZero = cubicFromZero && n4->GetSplineOrder() == 3 && lattice->GetLargestPossibleRegion().GetIndex(d) == 0;
    ImageF::SizeType fieldSize;
    ImageF::SpacingType fieldSpacing;
    const auto smallSize = small->GetLargestPossibleRegion().GetSize();
    for (unsigned d = 0; d < Dimension; ++d) {
      fieldSize[d] = (smallSize[d] - 1) * factors[d] + 1;
      fieldSpacing[d] = small->GetSpacing()[d] / factors[d];
    }
    auto fieldGrid = ImageF::New();  // the field's geometry: the shrunk grid's extent at the input's spacing
    fieldGrid->SetRegions(fieldSize);
    fieldGrid->SetSpacing(fieldSpacing);
    fieldGrid->SetOrigin(small->GetOrigin());
    fieldGrid->SetDirection(small->GetDirection());
    if (p.choice("implementation") == "fast" && cubicFromZero) {
      return divideByField(image, *fieldGrid, kSlabSlices, progress, [&](long z0, long z1) {
        return cubicBSpline(*lattice, fieldSize, fieldSpacing, z0, z1, progress, name);
      });
    }
    const ImageF::Pointer whole =
        itkCubicBSpline(lattice, fieldSize, fieldSpacing, n4->GetSplineOrder(), progress, name);
    // One slab: the test comparing the two implementations compares slabs with one resampling.
    return divideByField(image, *fieldGrid, long(size[2]), progress, [&](long, long) { return whole; });
  }

  // Output slices per slab of the fast field (whole only for images this thin): the peak is the
  // input, the output and a few MB.
  static constexpr long kSlabSlices = 16;

  // The input divided by exp(log field), the field resampled onto the input's grid (the shrunk grid
  // is centred on the input, so it sits a fraction of a voxel inside it; the rim repeats the nearest
  // field value), `slab` output slices at a time. fieldSlices(z0, z1) gives at least the field's
  // slices [z0, z1) on `grid`'s geometry. ResampleImageFilter's voxels do not depend on the region
  // it is asked for, so they are those of one resampling of the whole field.
  ImageF::Pointer divideByField(const ImageF::Pointer& image, const ImageF& grid, long slab, const Progress& progress,
                                const std::function<ImageF::Pointer(long, long)>& fieldSlices) const {
    const std::string& name = spec().name;
    ImageF::Pointer corrected;  // at the first slab; one slab of the whole image is divided in its own buffer
    auto resample = itk::ResampleImageFilter<ImageF, ImageF>::New();
    resample->SetReferenceImage(image);
    resample->UseReferenceImageOn();
    resample->SetInterpolator(itk::LinearInterpolateImageFunction<ImageF, double>::New());
    resample->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<ImageF, double>::New());
    const auto size = image->GetLargestPossibleRegion().GetSize();
    const long nz = long(size[2]), fieldSlicesTotal = long(grid.GetLargestPossibleRegion().GetSize(2));
    const size_t sliceVoxels = size_t(size[0]) * size[1];
    for (long z0 = 0; z0 < nz; z0 += slab) {
      const long z1 = std::min(nz, z0 + slab);
      // The field slices the slab's voxels fall between, from its corners, and one more each side.
      double lo = 1e300, hi = -1e300;
      for (const long z : {z0, z1 - 1})
        for (const itk::IndexValueType y : {0L, long(size[1]) - 1})
          for (const itk::IndexValueType x : {0L, long(size[0]) - 1}) {
            ImageF::PointType point;
            image->TransformIndexToPhysicalPoint({x, y, z}, point);
            itk::ContinuousIndex<double, Dimension> at;
            grid.TransformPhysicalPointToContinuousIndex(point, at);
            lo = std::min(lo, at[2]), hi = std::max(hi, at[2]);
          }
      const long f0 = std::clamp(long(std::floor(lo)) - 1, 0L, fieldSlicesTotal - 1);
      const long f1 = std::clamp(long(std::ceil(hi)) + 2, f0 + 1, fieldSlicesTotal);
      const ImageF::Pointer field = fieldSlices(f0, f1);
      field->SetOrigin(grid.GetOrigin());
      field->SetDirection(grid.GetDirection());
      resample->SetInput(field);
      ImageF* logBias = resample->GetOutput();
      const ImageF::RegionType piece({0, 0, z0}, {size[0], size[1], itk::SizeValueType(z1 - z0)});
      try {
        logBias->UpdateOutputInformation();
        logBias->SetRequestedRegion(piece);
        logBias->PropagateRequestedRegion();
        logBias->UpdateOutputData();
      } catch (const itk::ExceptionObject& e) {
        throw Error("", name, e.GetDescription());
      }
      if (!corrected && z1 - z0 == nz) {
        corrected = logBias;
        corrected->DisconnectPipeline();
      } else if (!corrected) {
        corrected = ImageF::New();
        corrected->CopyInformation(image);
        corrected->SetRegions(image->GetLargestPossibleRegion());
        corrected->Allocate();
      }
      const size_t offset = size_t(z0) * sliceVoxels;
      const float* input = image->GetBufferPointer() + offset;
      const float* logValues = logBias->GetBufferPointer();
      float* output = corrected->GetBufferPointer() + offset;
      itk::MultiThreaderBase::New()->ParallelizeArray(
          0, size_t(z1 - z0),
          [&](itk::SizeValueType z) {
            for (size_t i = z * sliceVoxels, end = i + sliceVoxels; i < end; ++i)
              output[i] = input[i] / std::exp(logValues[i]);
          },
          nullptr);
      if (progress.cancelled()) throw Error("", name, "cancelled");
      progress.report(0.9 + 0.1 * double(z1) / double(nz), name);
    }
    return corrected;
  }
};

}  // namespace
}  // namespace medpipe

MEDPIPE_REGISTER_STAGE(n4_bias_correction, medpipe::N4BiasCorrectionStage)
