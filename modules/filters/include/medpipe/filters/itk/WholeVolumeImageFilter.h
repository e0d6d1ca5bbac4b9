#pragma once
// The base of medpipe's own float 3D filters that need the whole input and produce the whole
// output in one go (a neighbourhood at any voxel, in-place iterations): requests the largest
// possible region of both, as ITK's iterative filters do.
#include <itkImageToImageFilter.h>

#include "medpipe/core/image.h"
#include "medpipe/core/large_buffer.h"

namespace medpipe {

class WholeVolumeImageFilter : public itk::ImageToImageFilter<ImageF, ImageF> {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(WholeVolumeImageFilter);

  using Self = WholeVolumeImageFilter;
  using Superclass = itk::ImageToImageFilter<ImageF, ImageF>;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;

  itkTypeMacro(WholeVolumeImageFilter, ImageToImageFilter)

 protected:
  WholeVolumeImageFilter() = default;
  ~WholeVolumeImageFilter() override = default;

  void GenerateInputRequestedRegion() override {
    Superclass::GenerateInputRequestedRegion();
    if (auto* input = const_cast<ImageF*>(this->GetInput())) input->SetRequestedRegionToLargestPossibleRegion();
  }
  void EnlargeOutputRequestedRegion(itk::DataObject* output) override {
    Superclass::EnlargeOutputRequestedRegion(output);
    output->SetRequestedRegionToLargestPossibleRegion();
  }
  // Allocates the output over the requested (whole) region, in huge pages where the kernel has them.
  ImageF* AllocateWholeOutput() {
    ImageF* output = this->GetOutput();
    output->SetBufferedRegion(output->GetRequestedRegion());
    allocateLarge(*output);
    return output;
  }
};

}  // namespace medpipe
