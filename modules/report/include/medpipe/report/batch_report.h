#pragma once
// The HTML report of a batch (docs/report.md): a group page with every unit,
// its status, metrics, outlier flags and one strip + box plot per metric, and
// one page per unit.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace medpipe {

struct ReportStep {
  std::string name, stage;
  double seconds = -1;  // -1: not recorded
  std::vector<std::pair<std::string, std::string>> parameters;
};

struct ReportUnit {
  std::string id;           // the unit's folder name (or "." for a batch of one)
  std::string description;  // "series 3 'Thorax' (CT, 64 slices)": no PHI
  bool ok = false;
  std::string message;                                  // why it failed
  std::vector<std::pair<std::string, double>> metrics;  // quality-metrics' volume row, then measurements
  std::vector<ReportStep> steps;                        // from provenance.json
  std::vector<std::filesystem::path> images;            // PNG files in the unit folder (relative to it)
};

// Every unit below `outputFolder`: a folder with provenance.json is a finished
// unit, one with a status.json saying it failed is a failed unit; the folder
// itself counts when it holds provenance.json (a batch of one). Sorted by id.
// Unreadable files become failed units naming them.
std::vector<ReportUnit> collectReportUnits(const std::filesystem::path& outputFolder);

struct ReportSummary {
  std::filesystem::path index;  // OUT/report/index.html
  size_t units = 0, failed = 0, outliers = 0;
};

// Writes outputFolder/report/ (index.html, units/<n>.html), each file
// atomically. Throws medpipe::Error naming the file it cannot write.
ReportSummary writeBatchReport(const std::filesystem::path& outputFolder, const std::vector<ReportUnit>& units);

}  // namespace medpipe
