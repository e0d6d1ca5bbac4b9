#include "ibsi_phantom.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace medpipe::test {

std::filesystem::path ibsiPhantomDir() {
  const std::filesystem::path dir = std::filesystem::path(MEDPIPE_SHARED_DATA) / "ibsi-digital-phantom";
  return std::filesystem::exists(dir / "reference_values.csv") ? dir : std::filesystem::path();
}

// CSV fields with quotes (the aggregation column holds "3D, averaged").
std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      fields.emplace_back();
    else if (c != '\r')
      fields.back() += c;
  }
  return fields;
}

namespace {


}  // namespace

radiomics::RoiImage readIbsiPhantom() {
  radiomics::RoiImage roi;
  roi.grid.size = {5, 4, 4};
  roi.grid.spacing = {2.0, 2.0, 2.0};
  const size_t n = roi.grid.count();
  roi.intensity.assign(n, 0.0);
  roi.morphMask.assign(n, 0);
  std::ifstream in(ibsiPhantomDir() / "phantom_voxels.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto f = splitCsv(line);
    const size_t i = roi.grid.index(std::stoi(f[0]), std::stoi(f[1]), std::stoi(f[2]));
    roi.intensity[i] = std::stod(f[3]);
    roi.morphMask[i] = std::uint8_t(std::stoi(f[4]));
  }
  roi.intensityMask = roi.morphMask;
  return roi;
}

std::vector<ReferenceValue> readIbsiReference() {
  std::vector<ReferenceValue> values;
  std::ifstream in(ibsiPhantomDir() / "reference_values.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto f = splitCsv(line);
    values.push_back({f[0], f[1], f[3], std::stod(f[5]), std::stod(f[6])});
  }
  return values;
}

bool matchesIbsi(double value, const ReferenceValue& reference) {
  if (!std::isfinite(value)) return false;
  double rounded = value;
  if (value != 0) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::abs(value))) - 2);
    rounded = std::round(value / magnitude) * magnitude;
  }
  // The reference has 3 significant digits too: compare with a margin for its decimal text.
  return std::abs(rounded - reference.value) <= reference.tolerance + 1e-9 * std::max(1.0, std::abs(reference.value));
}

}  // namespace medpipe::test
