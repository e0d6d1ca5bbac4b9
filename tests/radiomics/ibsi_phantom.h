#pragma once
// The IBSI-1 digital phantom and its reference values, read from ../shared/data/ibsi-digital-phantom.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "medpipe/radiomics/features.h"

namespace medpipe::test {

struct ReferenceValue {
  std::string family, tag, code;
  double value = 0, tolerance = 0;
};

std::filesystem::path ibsiPhantomDir();  // empty if the shared data is absent
// The phantom from phantom_voxels.csv: 5 x 4 x 4 voxels of 2 mm, both masks = the ROI.
radiomics::RoiImage readIbsiPhantom();
std::vector<ReferenceValue> readIbsiReference();
// IBSI's rule: round to 3 significant digits, then |x - ref| <= tolerance.
bool matchesIbsi(double value, const ReferenceValue& reference);
// The fields of one CSV line, with quoted fields (IBSI's aggregation column holds "3D, averaged").
std::vector<std::string> splitCsv(const std::string& line);

}  // namespace medpipe::test
