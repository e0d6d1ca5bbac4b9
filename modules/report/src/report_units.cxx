// Reading what `medpipe run` left in each unit folder.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/report/batch_report.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
};

std::vector<std::string> splitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

// medpipe's own tables: a header line, then numbers ("nan" for missing).
CsvTable readCsv(const fs::path& path) {
  std::ifstream in(path);
  CsvTable table;
  std::string line;
  if (!std::getline(in, line)) return table;
  table.columns = splitCsvLine(line);
  while (std::getline(in, line)) {
    std::vector<double> row;
    for (const auto& cell : splitCsvLine(line)) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      row.push_back(end != cell.c_str() ? v : std::numeric_limits<double>::quiet_NaN());
    }
    if (row.size() == table.columns.size()) table.rows.push_back(std::move(row));
  }
  return table;
}

// quality-metrics tables (columns slice, modality, ...) give their volume row;
// label tables (label, voxels, volume-ml, mean, ...) give each label's volume
// and mean as measurements.
void addTableMetrics(const fs::path& path, ReportUnit& unit) {
  const CsvTable t = readCsv(path);
  if (t.columns.size() > 2 && t.columns[0] == "slice" && t.columns[1] == "modality") {
    for (const auto& row : t.rows)
      if (row[0] == -1)
        for (size_t c = 1; c < t.columns.size(); ++c) unit.metrics.emplace_back(t.columns[c], row[c]);
    return;
  }
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), name) - t.columns.begin());
  };
  const size_t label = column("label"), volume = column("volume-ml"), mean = column("mean");
  if (label >= t.columns.size() || volume >= t.columns.size() || mean >= t.columns.size()) return;
  const std::string stem = path.stem().string();
  for (const auto& row : t.rows) {
    const std::string prefix = stem + " " + std::to_string(static_cast<long>(row[label])) + " ";
    unit.metrics.emplace_back(prefix + "volume-ml", row[volume]);
    unit.metrics.emplace_back(prefix + "mean", row[mean]);
  }
}

void readProvenance(const fs::path& folder, ReportUnit& unit) {
  const fs::path path = folder / "provenance.json";
  try {
    const YAML::Node p = YAML::LoadFile(path.string());
    unit.description = p["input"]["description"].as<std::string>("");
    if (p["input"]["health"]) {  // recorded since the report shows them; series.json for older runs
      unit.scanner = p["input"]["scanner"].as<std::string>("");
      unit.health = p["input"]["health"].as<std::string>("");
    }
    for (const auto& s : p["steps"]) {
      ReportStep step{s["name"].as<std::string>(""), s["stage"].as<std::string>(""), s["seconds"].as<double>(-1), {}};
      for (const auto& kv : s["parameters"])
        step.parameters.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>(""));
      unit.steps.push_back(std::move(step));
    }
    if (const YAML::Node h = p["input"]["histogram"]) {
      unit.histogram.lower = h["lower"].as<double>(0), unit.histogram.upper = h["upper"].as<double>(0);
      unit.histogram.below = h["below"].as<long long>(0), unit.histogram.above = h["above"].as<long long>(0);
      for (const auto& c : h["counts"]) unit.histogram.counts.push_back(c.as<long long>(0));
    }
    for (const auto& o : p["outputs"]) {
      const fs::path file = o["file"].as<std::string>("");
      if (file.extension() == ".csv" && fs::exists(folder / file)) addTableMetrics(folder / file, unit);
      if (file.extension() == ".png" && fs::exists(folder / file))
        unit.images.push_back({file, o["format"].as<std::string>("") == "render"});
    }
    if (fs::exists(folder / kReportRenderFile)) unit.images.push_back({kReportRenderFile, true});
    unit.ok = true;
  } catch (const YAML::Exception& e) {
    unit.ok = false;
    unit.message = path.string() + ": cannot read (" + e.msg + ")";
  }
}

// series.json (written by `run` beside each DICOM unit): scanner and health
// findings, no PHI.
void readSeriesFacts(const fs::path& folder, ReportUnit& unit) {
  const fs::path path = folder / "series.json";
  if (!fs::exists(path)) return;
  try {
    const YAML::Node s = YAML::LoadFile(path.string());
    const std::string manufacturer = s["Manufacturer"].as<std::string>(""),
                      model = s["ManufacturerModelName"].as<std::string>("");
    unit.scanner = manufacturer + (manufacturer.empty() || model.empty() ? "" : " ") + model;
    unit.health = s["Health"].as<std::string>("");
  } catch (const YAML::Exception& e) {
    unit.health = "series.json: cannot read (" + e.msg + ")";
  }
}

bool readFailedStatus(const fs::path& folder, ReportUnit& unit) {
  const fs::path path = folder / "status.json";
  try {
    const YAML::Node s = YAML::LoadFile(path.string());
    if (s["ok"].as<bool>(true)) return false;
    unit.message = s["error"].as<std::string>("failed");
  } catch (const YAML::Exception& e) {
    unit.message = path.string() + ": cannot read (" + e.msg + ")";
  }
  unit.ok = false;
  return true;
}

}  // namespace

std::vector<ReportUnit> collectReportUnits(const fs::path& outputFolder) {
  std::error_code ec;
  if (!fs::is_directory(outputFolder, ec)) throw Error(outputFolder.string(), "", "not a folder");
  std::vector<ReportUnit> units;
  auto consider = [&](const fs::path& folder, const std::string& id) {
    ReportUnit unit;
    unit.id = id;
    readSeriesFacts(folder, unit);
    if (fs::exists(folder / "provenance.json")) {
      readProvenance(folder, unit);
      units.push_back(std::move(unit));
    } else if (fs::exists(folder / "status.json") && readFailedStatus(folder, unit)) {
      units.push_back(std::move(unit));
    }
  };
  consider(outputFolder, ".");
  for (const auto& entry : fs::directory_iterator(outputFolder, ec))
    if (entry.is_directory() && entry.path().filename() != "report")
      consider(entry.path(), entry.path().filename().string());
  std::sort(units.begin(), units.end(), [](const ReportUnit& a, const ReportUnit& b) { return a.id < b.id; });
  return units;
}

std::vector<ReportUnreadable> collectUnreadableInputs(const fs::path& outputFolder) {
  std::vector<ReportUnreadable> rows;
  std::ifstream in(outputFolder / "summary.tsv");
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, '\t');) cells.push_back(cell);
    if (cells.size() >= 3 && cells[1] == "UNREADABLE") rows.push_back({cells[0], cells[2]});
  }
  return rows;
}

std::string withoutFolders(const std::string& message) {
  // A path starts with '/' at the start of a word, or is the message's first
  // field when that holds a '/'; it ends where the message goes on (": ", " (",
  // a quote, ")", ", ").
  const auto endOfPath = [&](size_t from) {
    size_t end = message.size();
    for (const char* stop : {": ", " (", ")", "'", "\"", ", "}) end = std::min(end, message.find(stop, from));
    return end;
  };
  const size_t firstField = endOfPath(0);
  std::string out;
  for (size_t i = 0; i < message.size();) {
    const bool wordStart = i == 0 || std::string(" (\"'\t=").find(message[i - 1]) != std::string::npos;
    const bool path =
        wordStart && (message[i] == '/' || (i == 0 && message.substr(0, firstField).find('/') != std::string::npos));
    if (!path) {
      out += message[i++];
      continue;
    }
    const size_t end = endOfPath(i);
    std::string p = message.substr(i, end - i);
    const bool folder = !p.empty() && p.back() == '/';
    while (!p.empty() && p.back() == '/') p.pop_back();
    out += folder ? "(a folder)" : p.substr(p.rfind('/') + 1);
    i = end;
  }
  return out;
}

}  // namespace medpipe
