#pragma once
// Picks series by SeriesInstanceUID, series number, description glob or modality.
#include <string>

#include "medpipe/io/dicom_header.h"

namespace medpipe {

// Accepted forms: "uid=1.2.3", "number=3", "description=*T1*", "modality=CT", or a bare value:
// digits = series number, a dotted UID = SeriesInstanceUID, anything else = description glob.
// Several criteria separated by ',' must all hold. Empty text selects everything.
class SeriesSelector {
 public:
  SeriesSelector() = default;
  explicit SeriesSelector(const std::string& text);  // throws medpipe::Error on a bad key
  bool matches(const DicomHeader& series) const;

 private:
  std::string uid_, number_, descriptionGlob_, modality_;
};

}  // namespace medpipe
