#include "medpipe/io/series_selector.h"

#include <fnmatch.h>

#include <algorithm>
#include <sstream>
#include <strings.h>

#include "medpipe/core/error.h"

namespace medpipe {
namespace {

bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool looksLikeUid(const std::string& s) {
  return s.find('.') != std::string::npos &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

}  // namespace

SeriesSelector::SeriesSelector(const std::string& text) {
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) {
    if (part.empty()) continue;
    const auto eq = part.find('=');
    const std::string key = eq == std::string::npos ? "" : part.substr(0, eq);
    const std::string value = eq == std::string::npos ? part : part.substr(eq + 1);
    if (key == "number" && !allDigits(value))
      throw Error("", "series", "number '" + value + "' is not a series number (digits only)");
    if (key == "uid" || (key.empty() && looksLikeUid(value))) uid_ = value;
    else if (key == "number" || (key.empty() && allDigits(value))) number_ = value;
    else if (key == "description" || key.empty()) descriptionGlob_ = value;
    else if (key == "modality") modality_ = value;
    else throw Error("", "series", "unknown selector '" + key + "' (use uid=, number=, description= or modality=)");
  }
}

bool SeriesSelector::matches(const DicomHeader& h) const {
  if (!uid_.empty() && h.seriesInstanceUid != uid_) return false;
  if (!number_.empty() && std::to_string(h.seriesNumber) != number_) return false;
  if (!modality_.empty() && strcasecmp(h.modality.c_str(), modality_.c_str()) != 0) return false;
  if (!descriptionGlob_.empty() && fnmatch(descriptionGlob_.c_str(), h.seriesDescription.c_str(), FNM_CASEFOLD) != 0)
    return false;
  return true;
}

}  // namespace medpipe
