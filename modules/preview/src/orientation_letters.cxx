#include "orientation_letters.h"

#include <array>

namespace medpipe {
namespace {

using Glyph = std::array<const char*, 7>;  // 5 x 7, '#' is ink

const Glyph* glyphFor(char letter) {
  static const Glyph a = {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"};
  static const Glyph p = {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."};
  static const Glyph l = {"#....", "#....", "#....", "#....", "#....", "#....", "#####"};
  static const Glyph r = {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"};
  static const Glyph s = {".####", "#....", "#....", ".###.", "....#", "....#", "####."};
  static const Glyph i = {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."};
  switch (letter) {
    case 'A': return &a;
    case 'P': return &p;
    case 'L': return &l;
    case 'R': return &r;
    case 'S': return &s;
    case 'I': return &i;
    default: return nullptr;
  }
}

void stamp(RgbImage& image, const Glyph& glyph, int left, int top, int scale, Rgb colour) {
  for (int gy = 0; gy < 7; ++gy)
    for (int gx = 0; gx < 5; ++gx) {
      if (glyph[gy][gx] != '#') continue;
      for (int dy = 0; dy < scale; ++dy)
        for (int dx = 0; dx < scale; ++dx) {
          const int x = left + gx * scale + dx, y = top + gy * scale + dy;
          if (x >= 0 && y >= 0 && x < static_cast<int>(image.width) && y < static_cast<int>(image.height))
            image.set(static_cast<unsigned>(x), static_cast<unsigned>(y), colour);
        }
    }
}

}  // namespace

void drawOrientationLetter(RgbImage& image, char letter, int x, int y, int scale) {
  const Glyph* glyph = glyphFor(letter);
  if (!glyph || scale < 1) return;
  const int left = x - 5 * scale / 2, top = y - 7 * scale / 2;
  stamp(image, *glyph, left + scale / 2 + 1, top + scale / 2 + 1, scale, {20, 20, 20});
  stamp(image, *glyph, left, top, scale, {235, 235, 235});
}

}  // namespace medpipe
