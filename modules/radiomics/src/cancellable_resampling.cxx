// ITK's resampler aborts at its progress reports once AbortGenerateData is raised (core's AbortWatch
// does that on a cancel). Its cubic B-spline interpolator first computes the coefficients of the
// whole image in an inner filter no one can reach (seconds on a CT, before the first voxel): the
// interpolator below computes them with the same ITK filter, which it can stop.
#include "cancellable_resampling.h"

#include <itkBSplineInterpolateImageFunction.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborExtrapolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "medpipe/core/abort_watch.h"
#include "medpipe/core/error.h"

namespace medpipe::radiomics {
namespace {

using Resampler = itk::ResampleImageFilter<ImageF, ImageF, double, double>;
using CubicInterpolator = itk::BSplineInterpolateImageFunction<ImageF, double, double>;

// ITK's cubic B-spline interpolator, its coefficients computed as its own SetInputImage does (the
// same filter and spline order, so the same values; one filter, so a second call on the same image
// costs nothing) by a filter that aborts on a cancel. The filter is single-threaded and reports on
// the thread that runs it, so an observer of its progress sees the cancel.
class CancellableCubicInterpolator : public CubicInterpolator {
 public:
  using Self = CancellableCubicInterpolator;
  using Pointer = itk::SmartPointer<Self>;

  const Progress* progress = nullptr;

  void SetInputImage(const ImageF* image) override {
    if (!image) return CubicInterpolator::SetInputImage(image);
    coefficients_->SetSplineOrder(this->GetSplineOrder());
    coefficients_->SetInput(image);
    coefficients_->Update();
    this->m_Coefficients = coefficients_->GetOutput();
    // What CubicInterpolator::SetInputImage does after its own coefficient filter.
    itk::InterpolateImageFunction<ImageF, double>::SetInputImage(image);
    this->m_DataLength = image->GetBufferedRegion().GetSize();
  }

  static Pointer New() {  // itkNewMacro's object without its factory look-up
    Pointer object = new Self;
    object->UnRegister();
    return object;
  }

 protected:
  CancellableCubicInterpolator() {
    coefficients_->AddObserver(itk::ProgressEvent(), [this](const itk::EventObject&) {
      // ITK's reporter throws ProcessAborted right after this event.
      if (progress && progress->cancelled()) coefficients_->AbortGenerateDataOn();
    });
  }

 private:
  const CoefficientFilter::Pointer coefficients_ = CoefficientFilter::New();
};

}  // namespace

ImageF::Pointer resampleOnto(const ImageF& image, const TargetGrid& target, Interpolation interpolation,
                             const Progress& progress) {
  auto resampler = Resampler::New();
  resampler->SetInput(&image);
  resampler->SetOutputOrigin(target.origin);
  resampler->SetOutputSpacing(target.spacing);
  resampler->SetOutputDirection(image.GetDirection());
  resampler->SetSize(target.size);
  if (interpolation == Interpolation::Nearest) {
    resampler->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ImageF, double>::New());
  } else if (interpolation == Interpolation::Linear) {
    resampler->SetInterpolator(itk::LinearInterpolateImageFunction<ImageF, double>::New());
  } else {
    auto cubic = CancellableCubicInterpolator::New();  // cubic B-spline
    cubic->progress = &progress;
    resampler->SetInterpolator(cubic);
  }
  // The centred grid reaches up to half a voxel past the outer voxel centres: extend the edge.
  resampler->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<ImageF, double>::New());
  // Update clears AbortGenerateData as it starts, then reports 0 on this thread: a cancel that came
  // before is seen there; the watch sees the later ones (the workers report, this thread waits).
  resampler->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject&) {
    if (progress.cancelled()) resampler->AbortGenerateDataOn();
  });
  try {
    AbortWatch watch(*resampler, progress);
    resampler->Update();
  } catch (const itk::ProcessAborted&) {
    throw Error("", "", "cancelled");
  } catch (const itk::ExceptionObject&) {
    if (progress.cancelled()) throw Error("", "", "cancelled");  // an abort in a worker, wrapped by the pool
    throw;
  }
  progress.throwIfCancelled();
  ImageF::Pointer output = resampler->GetOutput();
  output->DisconnectPipeline();
  return output;
}

}  // namespace medpipe::radiomics
