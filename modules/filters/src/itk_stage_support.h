#pragma once
// What ITK-backed stages share: running a filter with progress, cancellation and error
// translation, and turning seed parameters into voxel indices. Private to the filters module.
#include <itkCommand.h>
#include <itkImageToImageFilter.h>
#include <itkProcessObject.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "medpipe/core/error.h"
#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"
#include "medpipe/filters/parameters.h"

namespace medpipe {

// Updates `filter`, forwarding its ProgressEvents to `progress` and aborting it once `progress`
// is cancelled; ITK exceptions become medpipe::Error naming the stage.
void updateFilter(itk::ProcessObject& filter, const Progress& progress, const std::string& stage);

// Runs `filter` and returns its first output disconnected from the pipeline.
template <typename TFilter>
typename TFilter::OutputImageType::Pointer runFilter(TFilter& filter, const Progress& progress, const std::string& stage) {
  updateFilter(filter, progress, stage);
  typename TFilter::OutputImageType::Pointer output = filter.GetOutput();
  output->DisconnectPipeline();
  return output;
}

// Runs a filter whose output voxels depend only on a neighbourhood of the input (no iterations,
// no global statistics) piece by piece, about `voxelsPerPiece` output voxels at a time, checking
// for a cancel between pieces: for ITK filters that check it too rarely (bilateral: once per 1% of
// the volume, minutes on a CT). The result is the same as one Update.
ImageF::Pointer runFilterInPieces(itk::ImageToImageFilter<ImageF, ImageF>& filter, const Progress& progress,
                                  const std::string& stage, size_t voxelsPerPiece);

// An ITK finite-difference function (curvature flow, anisotropic diffusion, ...) that throws
// ProcessAborted at the next voxel once `progress` is cancelled: ITK itself checks only between
// iterations, and one iteration of these takes from seconds to a minute on a CT.
template <typename TFunction>
class CancellableFunction : public TFunction {
 public:
  using Self = CancellableFunction;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)

  const Progress* progress = nullptr;

  typename TFunction::PixelType ComputeUpdate(const typename TFunction::NeighborhoodType& it, void* globalData,
                                              const typename TFunction::FloatOffsetType& offset) override {
    if (progress->cancelled()) throw itk::ProcessAborted(__FILE__, __LINE__);
    return TFunction::ComputeUpdate(it, globalData, offset);
  }

  // ITK releases a thread's global data after its loop over voxels, which the throw above skips:
  // what is still held when the function goes is released here.
  void* GetGlobalDataPointer() const override {
    void* data = TFunction::GetGlobalDataPointer();
    std::lock_guard<std::mutex> lock(mutex_);
    if (data) held_.insert(data);
    return data;
  }
  void ReleaseGlobalDataPointer(void* data) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      held_.erase(data);
    }
    TFunction::ReleaseGlobalDataPointer(data);
  }
  ~CancellableFunction() override {
    for (void* data : held_) TFunction::ReleaseGlobalDataPointer(data);
  }

 private:
  mutable std::mutex mutex_;
  mutable std::set<void*> held_;
};

// Gives `filter` a cancellable function of the type it creates itself, so its settings still apply.
template <typename TFunction, typename TFilter>
void makeCancellable(TFilter& filter, const Progress& progress) {
  auto function = CancellableFunction<TFunction>::New();
  function->progress = &progress;
  filter.SetDifferenceFunction(function);
}

// Seed points as voxel indices of `image`; a point outside the image is an error naming it.
std::vector<ImageF::IndexType> seedIndices(const Points& seeds, const itk::ImageBase<3>& image, const std::string& where);

}  // namespace medpipe
