#pragma once
// The JSON written beside each converted volume, in the spirit of dcm2niix's BIDS sidecars.
#include <filesystem>

#include "medpipe/core/image.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/slice_stack.h"

namespace medpipe {

struct SidecarOptions {
  bool includePhi = false;  // patient name/ID, dates and UIDs only when asked
  // De-identified output (convert --deidentify): no PHI even when includePhi is set, and no
  // SeriesDescription (free text the PS3.15 basic profile removes).
  bool deidentified = false;
};

void writeSidecar(const SeriesVolume& volume, const StackHealth& health, const ImageF& image,
                  const std::filesystem::path& path, const SidecarOptions& options = {});

}  // namespace medpipe
