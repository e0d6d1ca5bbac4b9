#include "medpipe/io/volume_naming.h"

#include <cctype>

namespace medpipe {

std::string sanitizeFileName(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_') out += static_cast<char>(c);
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string volumeFileStem(const SeriesVolume& volume, bool withDescription) {
  const auto& h = volume.first();
  std::string stem = std::to_string(h.seriesNumber);
  std::string description = withDescription ? sanitizeFileName(h.seriesDescription) : "";
  // A radiograph without a description is named by what it shows: CR_CHEST_PA.
  if (description.empty() && h.isRadiograph())
    description = sanitizeFileName(h.modality + " " + h.bodyPart + " " + h.viewPosition);
  if (!description.empty()) stem += "_" + description;
  if (!volume.splitReason.empty()) stem += "_v" + std::to_string(volume.volumeInSeries);
  return stem;
}

}  // namespace medpipe
