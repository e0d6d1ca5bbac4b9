#pragma once
// The JSON written beside each converted volume, in the spirit of dcm2niix's BIDS sidecars.
#include <filesystem>
#include <vector>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe {

struct SidecarOptions {
  bool includePhi = false;  // patient name/ID, dates and UIDs only when asked
  // De-identified output (convert --deidentify): no PHI even when includePhi is set, and no
  // SeriesDescription (free text the PS3.15 basic profile removes).
  bool deidentified = false;
  bool philipsFloat = false;  // Philips' floating-point scaling was applied (ConversionOptions::philipsFloat)
};

// BIDS field names for what medpipe knows (RepetitionTime, EchoTime in s, SliceTiming, ...; see
// docs/mr.md), then medpipe's own (Dimensions, SpacingMM, Health, ...). `image` is the (first) volume.
void writeSidecar(const SeriesVolume& volume, const StackHealth& health, const itk::ImageBase<3>& image,
                  const std::filesystem::path& path, const SidecarOptions& options = {});
// One sidecar for the volumes of a 4D series, written to one file.
void writeSidecar(const std::vector<const SeriesVolume*>& volumes, const StackHealth& health, const itk::ImageBase<3>& image,
                  const std::filesystem::path& path, const SidecarOptions& options = {});

}  // namespace medpipe
