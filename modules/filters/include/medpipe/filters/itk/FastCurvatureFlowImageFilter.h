#pragma once
// medpipe's fast itk::CurvatureFlowImageFilter and itk::MinMaxCurvatureFlowImageFilter for float 3D
// images: the same voxels (the same arithmetic in the same order, float where ITK rounds to float,
// double where it computes in double), with zero-flux borders and image spacing used, as ITK's.
// Instead of a neighbourhood iterator and a virtual call per voxel it runs plain loops over rows
// that the compiler vectorises (for min-max flow: the curvature update, the stencil average and the
// threshold's circle points without trigonometry, each a pass over the row; ITK's trigonometry only
// where a rounded point lies within 1e-7 of a rounding boundary), splits slices over ITK's thread
// pool and checks for a cancel per row (ITK checks between iterations only).
// StencilRadius 0 is curvature flow; r > 0 is min-max curvature flow with that stencil radius.
// Images with NaN or infinite voxels are outside what it handles.
#include "medpipe/filters/itk/WholeVolumeImageFilter.h"

namespace medpipe {

class FastCurvatureFlowImageFilter : public WholeVolumeImageFilter {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FastCurvatureFlowImageFilter);

  using Self = FastCurvatureFlowImageFilter;
  using Superclass = WholeVolumeImageFilter;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;

  itkNewMacro(Self)
  itkTypeMacro(FastCurvatureFlowImageFilter, WholeVolumeImageFilter)

  itkSetMacro(NumberOfIterations, unsigned)
  itkGetConstMacro(NumberOfIterations, unsigned)
  itkSetMacro(TimeStep, double)
  itkGetConstMacro(TimeStep, double)
  // 0: curvature flow; r > 0: min-max curvature flow, as MinMaxCurvatureFlowImageFilter::SetStencilRadius.
  itkSetMacro(StencilRadius, unsigned)
  itkGetConstMacro(StencilRadius, unsigned)

 protected:
  FastCurvatureFlowImageFilter() = default;
  ~FastCurvatureFlowImageFilter() override = default;

  void GenerateData() override;

 private:
  unsigned m_NumberOfIterations = 0;
  double m_TimeStep = 0.05;  // as itk::CurvatureFlowImageFilter
  unsigned m_StencilRadius = 0;
};

}  // namespace medpipe
