#include "medpipe/io/volume_series.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

std::string rounded(double v, double scale) {
  char text[48];
  std::snprintf(text, sizeof text, "%.0f,", std::round(v * scale));
  return text;
}

// What volumes of one 4D series share: series, echo, size, orientation and the set of positions.
std::string geometryKey(const SeriesVolume& volume) {
  const DicomHeader& h = volume.first();
  std::ostringstream key;
  key << h.studyInstanceUid << '|' << h.seriesInstanceUid << '|' << h.seriesNumber << "|echo" << h.echoNumber << '|' << h.frameKind << '|'
      << h.rows << 'x' << h.columns << '|' << volume.slices.size() << '|';
  if (h.imageOrientation)
    for (double c : *h.imageOrientation) key << rounded(c, 1e4);
  std::vector<std::string> positions;
  for (const auto& slice : volume.slices) {
    if (!slice.imagePosition) return key.str() + "unplaced|" + slice.path.string();  // never grouped
    std::string p;
    for (double c : *slice.imagePosition) p += rounded(c, 1e2);
    positions.push_back(p);
  }
  std::sort(positions.begin(), positions.end());
  for (const auto& p : positions) key << p << ';';
  return key.str();
}

std::string formatNumber(double v) {
  if (std::abs(v) < 5e-7) v = 0;  // no "-0" (dcm2niix neither)
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

}  // namespace

std::vector<std::vector<const SeriesVolume*>> groupRepeatedVolumes(const std::vector<const SeriesVolume*>& volumes) {
  std::vector<std::vector<const SeriesVolume*>> groups;
  std::map<std::string, size_t> groupOf;
  for (const SeriesVolume* v : volumes) {
    if (v->first().isUnplacedMultiFrame()) {
      groups.push_back({v});
      continue;
    }
    const auto [it, added] = groupOf.emplace(geometryKey(*v), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(v);
  }
  return groups;
}

bool isDerivedDiffusionVolume(const SeriesVolume& volume) {
  const DicomHeader& h = volume.first();
  // Below dcm2niix's b = 0 threshold (6 s/mm^2) a volume is a b = 0 volume, not a trace image: UIH
  // stores its b = 0 volumes as b = 1.25 with a zero gradient.
  if (!h.bValue || *h.bValue <= 6) return false;
  if (!h.diffusionGradient) return true;
  const auto& g = *h.diffusionGradient;
  return g[0] * g[0] + g[1] * g[1] + g[2] * g[2] < 1e-6;
}

std::optional<DiffusionTable> diffusionTable(const std::vector<const SeriesVolume*>& volumes,
                                             const ImageF::DirectionType& direction) {
  bool any = false;
  for (const auto* v : volumes) any = any || v->first().bValue.has_value();
  if (!any) return std::nullopt;
  const auto& d = direction;
  const double determinant = d(0, 0) * (d(1, 1) * d(2, 2) - d(1, 2) * d(2, 1)) -
                             d(0, 1) * (d(1, 0) * d(2, 2) - d(1, 2) * d(2, 0)) +
                             d(0, 2) * (d(1, 0) * d(2, 1) - d(1, 1) * d(2, 0));
  DiffusionTable table;
  for (const auto* v : volumes) {
    const DicomHeader& h = v->first();
    if (table.source.empty()) table.source = h.diffusionSource;
    const double b = h.bValue.value_or(0);
    std::array<double, 3> out{0, 0, 0};
    if (b > 0 && h.diffusionGradient) {
      const auto& g = *h.diffusionGradient;
      // Vectors within 1% of unit length are unit vectors up to the scanner's rounding: scaling them
      // would only move their last digits away from the stored ones (dcm2niix leaves GE's as stored).
      double length = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
      if (std::abs(length - 1) < 0.01) length = 1;
      if (length > 1e-6)
        for (unsigned axis = 0; axis < 3; ++axis)
          out[axis] = (g[0] * direction(0, axis) + g[1] * direction(1, axis) + g[2] * direction(2, axis)) / length;
      if (determinant > 0) out[0] = 0.0 - out[0];  // not -0 for a zero vector (UIH's b = 1.25 volumes)
    }
    table.bValues.push_back(b);
    table.vectors.push_back(out);
  }
  return table;
}

void writeFslGradients(const DiffusionTable& table, const fs::path& bval, const fs::path& bvec) {
  auto write = [](const fs::path& path, const std::string& text) {
    writeAtomically(path, [&](const fs::path& tmp) {
      std::ofstream out(tmp);
      out << text;
      if (!out.flush()) throw Error(path.string(), "", "cannot write file");
    });
  };
  std::string values;
  for (size_t i = 0; i < table.bValues.size(); ++i) values += (i ? " " : "") + formatNumber(table.bValues[i]);
  write(bval, values + "\n");
  std::string vectors;
  for (unsigned axis = 0; axis < 3; ++axis) {
    for (size_t i = 0; i < table.vectors.size(); ++i) vectors += (i ? " " : "") + formatNumber(table.vectors[i][axis]);
    vectors += "\n";
  }
  write(bvec, vectors);
}

}  // namespace medpipe
