#pragma once
// medpipe's fast itk::MedianImageFilter for float 3D images: the same result, voxel for voxel
// (the median is a value of the neighbourhood, found exactly), with the same box neighbourhood and
// zero-flux (edge-replicating) borders. Instead of gathering each neighbourhood and running
// nth_element, it runs Paeth's forgetful selection on rows of 8 voxels at once with min/max only,
// which the compiler vectorises, and splits the slices over ITK's thread pool.
// Images with NaN voxels are outside what it handles (min/max ordering).
#include "medpipe/filters/itk/WholeVolumeImageFilter.h"

namespace medpipe {

class FastMedianImageFilter : public WholeVolumeImageFilter {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FastMedianImageFilter);

  using Self = FastMedianImageFilter;
  using Superclass = WholeVolumeImageFilter;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  using RadiusType = ImageF::SizeType;

  itkNewMacro(Self)
  itkTypeMacro(FastMedianImageFilter, WholeVolumeImageFilter)

  // Half-widths of the box in voxels per axis, as itk::MedianImageFilter::SetRadius.
  itkSetMacro(Radius, RadiusType)
  itkGetConstMacro(Radius, RadiusType)

 protected:
  FastMedianImageFilter() { m_Radius.Fill(1); }
  ~FastMedianImageFilter() override = default;

  void GenerateData() override;

 private:
  RadiusType m_Radius;
};

}  // namespace medpipe
