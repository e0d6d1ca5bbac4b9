#pragma once
// Anatomical orientation letters (A P L R S I) drawn into a picture with a tiny bitmap font, so a
// montage says which side is which without needing a font library.
#include "medpipe/preview/rgb_image.h"

namespace medpipe {

// Draws `letter` (one of APLRSI; others are ignored) with its centre at (x, y), each font pixel
// `scale` picture pixels wide, in light grey with a dark shadow for contrast on any background.
void drawOrientationLetter(RgbImage& image, char letter, int x, int y, int scale);

}  // namespace medpipe
