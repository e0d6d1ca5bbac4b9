#pragma once
// Fused, multithreaded anisotropic diffusion for float 3D images: the base of medpipe's fast
// versions of ITK's CurvatureAnisotropicDiffusionImageFilter and GradientAnisotropicDiffusionImageFilter.
// Same equations and discretisation as itk::CurvatureNDAnisotropicDiffusionFunction and
// itk::GradientNDAnisotropicDiffusionFunction, zero-flux (Neumann) borders, and the conductance
// rescaled from the average squared gradient every iteration, as ITK does. Instead of neighbourhood
// iterators, slices and inner products per voxel, it walks raw rows, computes each face's flux once,
// updates in place, and runs slabs of z-slices in parallel on ITK's thread pool. Results match ITK's
// filters to float rounding (tests/filters/test_fast_diffusion.cxx measures the difference).
#include "medpipe/filters/itk/WholeVolumeImageFilter.h"

namespace medpipe {

class FastAnisotropicDiffusionImageFilter : public WholeVolumeImageFilter {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FastAnisotropicDiffusionImageFilter);

  using Self = FastAnisotropicDiffusionImageFilter;
  using Superclass = WholeVolumeImageFilter;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;

  itkTypeMacro(FastAnisotropicDiffusionImageFilter, WholeVolumeImageFilter)

  itkSetMacro(NumberOfIterations, unsigned int)
  itkGetConstMacro(NumberOfIterations, unsigned int)
  itkSetMacro(ConductanceParameter, double)
  itkGetConstMacro(ConductanceParameter, double)
  // In the image's physical units, as ITK's filters with UseImageSpacing on (their default).
  itkSetMacro(TimeStep, double)
  itkGetConstMacro(TimeStep, double)

 protected:
  enum class Equation {
    Curvature,  // modified curvature diffusion (Whitaker and Xue)
    Gradient,   // Perona-Malik gradient diffusion
  };
  explicit FastAnisotropicDiffusionImageFilter(Equation equation) : m_Equation(equation) {}
  ~FastAnisotropicDiffusionImageFilter() override = default;

  void GenerateData() override;

 private:
  Equation m_Equation;
  unsigned int m_NumberOfIterations{5};
  double m_ConductanceParameter{1.0};
  double m_TimeStep{0.0625};
};

}  // namespace medpipe
