#pragma once
// The card's intensity normalisation applied to a volume's voxels, before inference and training.
#include <vector>

#include "medpipe/deep/model_card.h"

namespace medpipe::deep {

// In place; the image's own percentiles and statistics where the card asks for them.
void normalise(std::vector<float>& voxels, const Normalisation& normalisation);

}  // namespace medpipe::deep
