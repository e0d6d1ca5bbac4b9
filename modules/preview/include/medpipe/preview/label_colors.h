#pragma once
// One fixed colour per label value, shared by slice montages and 3D label surfaces so that a
// label looks the same in every picture medpipe makes.
#include <cstdint>

#include "medpipe/preview/rgb_image.h"

namespace medpipe {

// 1 red, 2 blue, 3 yellow, 4 green, 5 purple, 6 cyan, 7 orange, 8 brown, 9 pink, 10 lime,
// 11 indigo, 12 light grey; labels above 12 reuse the table (13 is red again). 0 is black.
Rgb labelColor(std::uint8_t label);

}  // namespace medpipe
