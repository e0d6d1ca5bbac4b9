#pragma once
// Binary erosion, dilation, opening and closing by ITK's ball, with the voxels of ITK's filters
// (BinaryErode/DilateImageFilter, BinaryMorphologicalOpening/ClosingImageFilter with SafeBorder)
// in a time that does not grow with the label's surface: a dilation is, per row, the distance
// along x to the nearest set voxel of each row the ball reaches, compared with the ball's
// half-width at that row's offset; an erosion is the complement of the dilation of the complement.
#include <itkBinaryBallStructuringElement.h>

#include <cstdint>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

enum class Morphology { Erode, Dilate, Open, Close };

using Ball = itk::BinaryBallStructuringElement<LabelImage::PixelType, Dimension>;

// `labels` with `op` applied to the voxels of value `foreground`, every other voxel as ITK's filter
// leaves it: eroded and opened-away voxels become 0, dilated and closed ones `foreground` (over
// other labels too). Outside the image counts as background for dilation and as foreground for
// erosion (ITK's boundary conditions); closing pads the image by the ball's radius first.
LabelImage::Pointer fastBinaryMorphology(const LabelImage& labels, Morphology op, const Ball& ball,
                                         LabelImage::PixelType foreground, const Progress& progress);

}  // namespace medpipe
