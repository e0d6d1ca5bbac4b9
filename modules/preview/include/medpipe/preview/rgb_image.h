#pragma once
// An 8-bit RGB picture in memory: what montages and renderings produce and PNG files hold.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace medpipe {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};

struct RgbImage {
  unsigned width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, top row first, 3 bytes per pixel

  RgbImage() = default;
  RgbImage(unsigned w, unsigned h, Rgb fill = {}) : width(w), height(h), pixels(std::size_t{w} * h * 3) {
    for (std::size_t i = 0; i < pixels.size(); i += 3) pixels[i] = fill.r, pixels[i + 1] = fill.g, pixels[i + 2] = fill.b;
  }

  Rgb at(unsigned x, unsigned y) const {
    const std::uint8_t* p = &pixels[offset(x, y)];
    return {p[0], p[1], p[2]};
  }
  void set(unsigned x, unsigned y, Rgb c) {
    std::uint8_t* p = &pixels[offset(x, y)];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }

 private:
  std::size_t offset(unsigned x, unsigned y) const { return (static_cast<std::size_t>(y) * width + x) * 3; }
};

}  // namespace medpipe
