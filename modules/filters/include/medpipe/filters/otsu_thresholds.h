#pragma once
// Otsu's thresholds of an image exactly as ITK 5.2's Otsu filters find them (the same histogram
// bins, then ITK's own calculators), with the histogram built on all threads a slice at a time and
// a look at the cancel flag per slice: ITK builds it in an inner filter that neither reports
// progress nor checks for a cancel (about 5 s on a 512x512x300 CT). NaN voxels are left out of the
// histogram's bounds here; ITK's bounds then depend on how its threads split the image.
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/core/progress.h"

namespace medpipe {

// itk::OtsuThresholdImageFilter's GetThreshold() for `bins` histogram bins and its default settings;
// that filter labels the voxels at or below it inside. Throws medpipe::Error("cancelled") once
// `progress` is cancelled.
float otsuThreshold(const ImageF& image, unsigned bins, const Progress& progress = Progress());

// itk::OtsuMultipleThresholdsImageFilter's GetThresholds(), `count` of them in ascending order, for
// `bins` histogram bins and its default settings (no valley emphasis). That filter's histogram rounds
// its upper bound differently from the one above, so one bin count can give two filters two sets of bins.
std::vector<double> multiOtsuThresholds(const ImageF& image, unsigned count, unsigned bins,
                                        const Progress& progress = Progress());

}  // namespace medpipe
