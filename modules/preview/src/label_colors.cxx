#include "medpipe/preview/label_colors.h"

#include <array>

namespace medpipe {

Rgb labelColor(std::uint8_t label) {
  // Saturated and far apart in hue so that neighbouring structures stay distinguishable and
  // a test can tell the colours apart after shading.
  static constexpr std::array<Rgb, 12> table = {{
      {230, 75, 60},    // 1 red
      {60, 120, 235},   // 2 blue
      {245, 215, 40},   // 3 yellow
      {70, 190, 80},    // 4 green
      {170, 90, 210},   // 5 purple
      {60, 205, 215},   // 6 cyan
      {245, 140, 35},   // 7 orange
      {150, 100, 60},   // 8 brown
      {240, 130, 190},  // 9 pink
      {170, 215, 50},   // 10 lime
      {80, 80, 200},    // 11 indigo
      {200, 200, 200},  // 12 light grey
  }};
  if (label == 0) return {0, 0, 0};
  return table[(label - 1) % table.size()];
}

}  // namespace medpipe
