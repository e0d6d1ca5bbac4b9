#include "unit_folder.h"

#include <json/json.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"

namespace medpipe::cohort {
namespace fs = std::filesystem;
namespace {

constexpr const char* kProvenance = "provenance.json";
constexpr const char* kStatus = "status.json";
constexpr const char* kSeriesFacts = "series.json";

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), "", "cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Json::Value readJson(const fs::path& path) {
  const std::string text = readText(path);
  Json::CharReaderBuilder builder;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  if (!reader->parse(text.data(), text.data() + text.size(), &root, &errors))
    throw Error(path.string(), "", "not valid JSON: " + errors.substr(0, errors.find('\n')));
  return root;
}

std::string member(const Json::Value& object, const char* name, const fs::path& file) {
  const Json::Value& v = object[name];
  if (v.isNull()) return "";
  if (!v.isString()) throw Error(file.string(), name, "expected a string");
  return v.asString();
}

uint64_t fnv(uint64_t h, const std::string& bytes) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return (h ^ 0xff) * 1099511628211ull;
}

// "12.5" -> 12.5; "", "nan", text -> missing.
double parseNumber(const std::string& text) {
  if (text.empty()) return kMissing;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(value)) return kMissing;
  return value;
}

std::vector<std::string> splitCsvLine(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else cells.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

// Rows of named values -> long form, with the label rule of readTableFile.
std::vector<Measurement> longForm(const std::vector<std::vector<std::pair<std::string, double>>>& rows,
                                  const std::string& step, const fs::path& file) {
  std::vector<Measurement> out;
  std::set<long long> labels;
  for (size_t r = 0; r < rows.size(); ++r) {
    long long label = rows.size() == 1 ? 0 : static_cast<long long>(r) + 1;
    for (const auto& [name, value] : rows[r]) {
      if (name != "label") continue;
      if (std::isnan(value) || value != std::floor(value))
        throw Error(file.string(), "label", "row " + std::to_string(r + 1) + ": not a whole number");
      label = static_cast<long long>(value);
    }
    if (!labels.insert(label).second)
      throw Error(file.string(), "label", "label " + std::to_string(label) + " appears twice");
    for (const auto& [name, value] : rows[r])
      if (name != "label") out.push_back({step, name, label, value});
  }
  return out;
}

}  // namespace

std::vector<Measurement> readTableFile(const fs::path& file, const std::string& step) {
  std::vector<std::vector<std::pair<std::string, double>>> rows;
  if (fullExtension(file) == ".json") {
    const Json::Value root = readJson(file);
    if (!root.isArray()) throw Error(file.string(), "", "a table must be a JSON array of objects");
    for (const auto& object : root) {
      if (!object.isObject()) throw Error(file.string(), "", "a table must be a JSON array of objects");
      auto& row = rows.emplace_back();
      for (const auto& name : object.getMemberNames())
        row.emplace_back(name, object[name].isNumeric() ? object[name].asDouble() : kMissing);
    }
    return longForm(rows, step, file);
  }
  std::istringstream text(readText(file));
  std::string line;
  if (!std::getline(text, line)) return {};
  const std::vector<std::string> header = splitCsvLine(line);
  for (size_t line_no = 2; std::getline(text, line); ++line_no) {
    if (line.empty() || line == "\r") continue;
    const auto cells = splitCsvLine(line);
    if (cells.size() != header.size())
      throw Error(file.string(), "line " + std::to_string(line_no),
                  std::to_string(cells.size()) + " cells where the header has " + std::to_string(header.size()));
    auto& row = rows.emplace_back();
    for (size_t c = 0; c < cells.size(); ++c) row.emplace_back(header[c], parseNumber(cells[c]));
  }
  return longForm(rows, step, file);
}

std::vector<fs::path> findUnitFolders(const fs::path& outputFolder) {
  std::error_code ec;
  if (!fs::is_directory(outputFolder, ec)) throw Error(outputFolder.string(), "", "not a folder");
  auto isUnit = [](const fs::path& p) { return fs::exists(p / kProvenance) || fs::exists(p / kStatus); };
  std::set<fs::path> folders;
  if (isUnit(outputFolder)) folders.insert(outputFolder);
  for (const auto& entry : fs::directory_iterator(outputFolder, ec))
    if (entry.is_directory() && isUnit(entry.path())) folders.insert(entry.path());
  // The summary (run's or Snakemake's) lists failed units whose job may have left nothing else behind.
  // Its other rows are units found above, or, once their folder is gone, missing; UNREADABLE rows
  // name input folders, not units.
  std::ifstream summary(outputFolder / "summary.tsv");
  std::string line;
  for (bool header = true; std::getline(summary, line); header = false) {
    const size_t tab = line.find('\t');
    const std::string unit = line.substr(0, tab);
    const std::string status = tab == std::string::npos ? "" : line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1);
    if (!header && status == "FAILED" && !unit.empty() && unit.find('/') == std::string::npos && unit != "." && unit != "..")
      folders.insert(outputFolder / unit);
  }
  return {folders.begin(), folders.end()};
}

std::string unitFingerprint(const fs::path& folder) {
  uint64_t h = 1469598103934665603ull;
  std::error_code ec;
  for (const char* name : {kProvenance, kStatus, kSeriesFacts}) {
    const fs::path p = folder / name;
    h = fnv(h, fs::exists(p, ec) ? readText(p) : std::string("-"));
  }
  // Tables: their sizes and times (their names are in provenance.json, hashed above).
  if (fs::is_directory(folder, ec)) {
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
      const std::string ext = fullExtension(e.path());
      if (!e.is_regular_file() || (ext != ".csv" && ext != ".json")) continue;
      entries.push_back(e.path().filename().string() + ":" + std::to_string(e.file_size()) + ":" +
                        std::to_string(e.last_write_time().time_since_epoch().count()));
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) h = fnv(h, e);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

namespace {
UnitRecord readUnitRecordsImpl(const fs::path& folder, const std::string& unitId) {
  UnitRecord record;
  record.unit = unitId;
  record.folder = folder;
  record.fingerprint = unitFingerprint(folder);
  std::error_code ec;
  const fs::path provenancePath = folder / kProvenance, statusPath = folder / kStatus;
  const bool hasProvenance = fs::exists(provenancePath, ec), hasStatus = fs::exists(statusPath, ec);
  if (!hasProvenance && !hasStatus) {
    record.error = fs::exists(folder, ec) ? "the unit did not finish (no provenance.json)" : "no output folder";
    return record;
  }
  if (hasStatus) {
    const Json::Value status = readJson(statusPath);
    if (!status.isObject() || !status["ok"].isBool()) throw Error(statusPath.string(), "ok", "expected true or false");
    record.status = status["ok"].asBool() ? "ok" : "failed";
    record.error = member(status, "error", statusPath);
    if (status["seconds"].isNumeric()) record.seconds = status["seconds"].asDouble();
  }
  if (hasProvenance) {
    const Json::Value p = readJson(provenancePath);
    if (!p.isObject()) throw Error(provenancePath.string(), "", "expected a JSON object");
    record.configHash = member(p, "configHash", provenancePath);
    record.medpipeVersion = p["versions"].isObject() ? member(p["versions"], "medpipe", provenancePath) : "";
    const Json::Value& input = p["input"];
    if (input.isObject()) {
      record.inputHash = member(input, "contentHash", provenancePath);
      for (const auto& uid : input["seriesInstanceUids"])
        if (uid.isString()) record.seriesUids.push_back(uid.asString());
    }
    // A step's first table output: CSV and JSON of the same step hold the same numbers.
    std::set<std::string> stepsRead;
    bool allOutputs = true;
    for (const auto& o : p["outputs"]) {
      const std::string step = member(o, "step", provenancePath), file = member(o, "file", provenancePath);
      if (file.empty() || file.find("..") != std::string::npos) continue;
      const fs::path path = folder / file;
      if (!fs::exists(path, ec)) allOutputs = false;
      const std::string ext = fullExtension(path);
      if ((ext != ".csv" && ext != ".json") || stepsRead.count(step) || !fs::exists(path, ec)) continue;
      stepsRead.insert(step);
      auto rows = readTableFile(path, step);
      record.measurements.insert(record.measurements.end(), rows.begin(), rows.end());
    }
    if (!hasStatus) {
      record.status = allOutputs ? "ok" : "incomplete";
      if (!allOutputs) record.error = "outputs listed in provenance.json are missing";
    }
  }
  if (fs::exists(folder / kSeriesFacts, ec)) record.facts = readSeriesFacts(folder / kSeriesFacts);
  return record;
}
}  // namespace

UnitRecord readUnitFolder(const fs::path& folder, const std::string& unitId) {
  try {
    return readUnitRecordsImpl(folder, unitId);
  } catch (const Json::Exception& e) {  // a value of the wrong type deep in a record
    throw Error(folder.string(), "", std::string("unexpected content in the unit's records: ") + e.what());
  }
}

}  // namespace medpipe::cohort
