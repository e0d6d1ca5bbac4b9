#pragma once
// medpipe's fast itk::GradientAnisotropicDiffusionImageFilter for float 3D images (Perona-Malik
// gradient diffusion): see FastAnisotropicDiffusionImageFilter.
#include "medpipe/filters/itk/FastAnisotropicDiffusionImageFilter.h"

namespace medpipe {

class FastGradientAnisotropicDiffusionImageFilter : public FastAnisotropicDiffusionImageFilter {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FastGradientAnisotropicDiffusionImageFilter);

  using Self = FastGradientAnisotropicDiffusionImageFilter;
  using Superclass = FastAnisotropicDiffusionImageFilter;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;

  itkNewMacro(Self)
  itkTypeMacro(FastGradientAnisotropicDiffusionImageFilter, FastAnisotropicDiffusionImageFilter)

 protected:
  FastGradientAnisotropicDiffusionImageFilter() : Superclass(Equation::Gradient) {}
  ~FastGradientAnisotropicDiffusionImageFilter() override = default;
};

}  // namespace medpipe
