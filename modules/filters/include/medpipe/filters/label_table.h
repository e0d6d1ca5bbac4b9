#pragma once
// A table of per-label measurements, written as CSV or JSON.
#include <filesystem>
#include <string>
#include <vector>

namespace medpipe {

struct LabelTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;  // one per label, values in column order

  void writeCsv(const std::filesystem::path& path) const;   // atomic
  void writeJson(const std::filesystem::path& path) const;  // atomic: [{column: value, ...}, ...]
  double at(size_t row, const std::string& column) const;   // throws medpipe::Error for an unknown column
};

}  // namespace medpipe
