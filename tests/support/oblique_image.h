#pragma once
// A small oblique image (turned 0.3 rad about z, anisotropic spacing, an origin off zero) with its own
// value in every voxel, (i * 37 % 251 + offset) * scale for voxel i: files written of it carry the
// geometry in their header and no two neighbouring voxels alike.
#include <cmath>
#include <cstddef>
#include <type_traits>

namespace medpipe::test {

template <typename TImage>
typename TImage::Pointer obliqueImage(size_t nx, size_t ny, size_t nz, int offset = 0, float scale = 1) {
  auto image = TImage::New();
  image->SetRegions(typename TImage::RegionType(typename TImage::SizeType{{nx, ny, nz}}));
  image->Allocate();
  const double spacing[3] = {0.7, 0.8, 2.5}, origin[3] = {-120.5, 33.25, 7};
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  typename TImage::DirectionType direction;
  const double c = std::cos(0.3), s = std::sin(0.3);
  direction(0, 0) = c, direction(0, 1) = -s, direction(0, 2) = 0;
  direction(1, 0) = s, direction(1, 1) = c, direction(1, 2) = 0;
  direction(2, 0) = 0, direction(2, 1) = 0, direction(2, 2) = 1;
  image->SetDirection(direction);
  auto* p = image->GetBufferPointer();
  using Pixel = typename TImage::PixelType;
  for (size_t i = 0; i < image->GetBufferedRegion().GetNumberOfPixels(); ++i) {
    const float v = float(int(i * 37 % 251) + offset) * scale;
    if constexpr (std::is_integral_v<Pixel>)
      p[i] = static_cast<Pixel>(static_cast<long long>(v));  // wraps as integers do (labels below 0)
    else
      p[i] = static_cast<Pixel>(v);
  }
  return image;
}

}  // namespace medpipe::test
