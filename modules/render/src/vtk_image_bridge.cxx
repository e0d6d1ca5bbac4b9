#include "vtk_image_bridge.h"

#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>

namespace medpipe {

vtkSmartPointer<vtkImageData> wrapAsVtkImage(const ImageF& image) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(static_cast<int>(size[0]), static_cast<int>(size[1]), static_cast<int>(size[2]));
  data->SetSpacing(image.GetSpacing()[0], image.GetSpacing()[1], image.GetSpacing()[2]);
  data->SetOrigin(0, 0, 0);
  auto scalars = vtkSmartPointer<vtkFloatArray>::New();
  // save = 1: VTK must not free ITK's buffer. Both use x-fastest order.
  scalars->SetArray(const_cast<float*>(image.GetBufferPointer()),
                    static_cast<vtkIdType>(image.GetPixelContainer()->Size()), 1);
  scalars->SetName("intensity");
  data->GetPointData()->SetScalars(scalars);
  return data;
}

vtkSmartPointer<vtkImageData> paddedLabelImage(const LabelImage& labels) {
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  const auto spacing = labels.GetSpacing();
  const int nx = static_cast<int>(size[0]) + 2, ny = static_cast<int>(size[1]) + 2, nz = static_cast<int>(size[2]) + 2;
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(nx, ny, nz);
  data->SetSpacing(spacing[0], spacing[1], spacing[2]);
  data->SetOrigin(-spacing[0], -spacing[1], -spacing[2]);
  auto scalars = vtkSmartPointer<vtkUnsignedCharArray>::New();
  scalars->SetNumberOfValues(static_cast<vtkIdType>(nx) * ny * nz);
  std::fill_n(scalars->GetPointer(0), scalars->GetNumberOfValues(), std::uint8_t{0});
  const std::uint8_t* in = labels.GetBufferPointer();
  for (size_t k = 0; k < size[2]; ++k)
    for (size_t j = 0; j < size[1]; ++j) {
      std::uint8_t* out = scalars->GetPointer(((static_cast<vtkIdType>(k) + 1) * ny + static_cast<vtkIdType>(j) + 1) * nx + 1);
      std::copy_n(in + (k * size[1] + j) * size[0], size[0], out);
    }
  scalars->SetName("label");
  data->GetPointData()->SetScalars(scalars);
  return data;
}

vtkSmartPointer<vtkMatrix4x4> indexToLps(const itk::ImageBase<3>& image) {
  auto matrix = vtkSmartPointer<vtkMatrix4x4>::New();
  const auto& direction = image.GetDirection();
  for (unsigned r = 0; r < 3; ++r) {
    for (unsigned c = 0; c < 3; ++c) matrix->SetElement(r, c, direction(r, c));
    matrix->SetElement(r, 3, image.GetOrigin()[r]);
  }
  return matrix;
}

}  // namespace medpipe
