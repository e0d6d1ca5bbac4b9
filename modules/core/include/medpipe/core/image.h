#pragma once
// The pixel types medpipe computes in: float for images, uint8 for label maps.
#include <cstdint>

#include <itkImage.h>

namespace medpipe {

constexpr unsigned int Dimension = 3;
using ImageF = itk::Image<float, Dimension>;
using LabelImage = itk::Image<std::uint8_t, Dimension>;
using ImageS = itk::Image<std::int16_t, Dimension>;

}  // namespace medpipe
