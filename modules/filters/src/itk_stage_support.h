#pragma once
// What ITK-backed stages share: running a filter with progress, cancellation and error
// translation, and turning seed parameters into voxel indices. Private to the filters module.
#include <itkCommand.h>
#include <itkProcessObject.h>

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

// Seed points as voxel indices of `image`; a point outside the image is an error naming it.
std::vector<ImageF::IndexType> seedIndices(const Points& seeds, const itk::ImageBase<3>& image, const std::string& where);

}  // namespace medpipe
