#pragma once
// medpipe's fast itk::CurvatureAnisotropicDiffusionImageFilter for float 3D images (modified
// curvature diffusion, Whitaker and Xue): see FastAnisotropicDiffusionImageFilter.
#include "medpipe/filters/itk/FastAnisotropicDiffusionImageFilter.h"

namespace medpipe {

class FastCurvatureAnisotropicDiffusionImageFilter : public FastAnisotropicDiffusionImageFilter {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FastCurvatureAnisotropicDiffusionImageFilter);

  using Self = FastCurvatureAnisotropicDiffusionImageFilter;
  using Superclass = FastAnisotropicDiffusionImageFilter;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;

  itkNewMacro(Self)
  itkTypeMacro(FastCurvatureAnisotropicDiffusionImageFilter, FastAnisotropicDiffusionImageFilter)

 protected:
  FastCurvatureAnisotropicDiffusionImageFilter() : Superclass(Equation::Curvature) {}
  ~FastCurvatureAnisotropicDiffusionImageFilter() override = default;
};

}  // namespace medpipe
