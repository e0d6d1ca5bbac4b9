#pragma once
#include <string>

#include "medpipe/io/dicom_index.h"

namespace medpipe {

// File name stem of a converted volume: "<series number>_<description>", sanitised to
// [A-Za-z0-9_-], with "_v<k>" when a series was split; e.g. "3_T1_MPRAGE_v2". Without the
// description (free text that may name the patient) for de-identified outputs: "3_v2".
std::string volumeFileStem(const SeriesVolume& volume, bool withDescription = true);

// Keeps letters, digits, '-' and '_'; every other run of characters becomes one '_'.
std::string sanitizeFileName(const std::string& text);

}  // namespace medpipe
