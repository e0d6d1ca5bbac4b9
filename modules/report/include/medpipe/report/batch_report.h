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

struct ReportHistogram {  // the input's intensities, from provenance.json
  double lower = 0, upper = 0;
  long long below = 0, above = 0;
  std::vector<long long> counts;
};

// The 3D picture of a unit that `run` renders for the report when built with VTK (in the unit folder).
constexpr const char* kReportRenderFile = "report-render.png";

struct ReportImage {
  std::filesystem::path file;  // relative to the unit folder
  bool render = false;         // a `format: render` output (3D), else a slice montage
                               // or other picture
};

struct ReportUnit {
  std::string id;           // the unit's folder name (or "." for a batch of one)
  std::string description;  // "series 3 'Thorax' (CT, 64 slices)": no PHI
  bool ok = false;
  std::string message;                                  // why it failed
  std::vector<std::pair<std::string, double>> metrics;  // quality-metrics' volume row, then measurements
  std::vector<ReportStep> steps;                        // from provenance.json
  std::vector<ReportImage> images;                      // PNG outputs
  ReportHistogram histogram;                            // empty counts: not recorded
  std::string scanner;                                  // "Manufacturer Model" from series.json; empty when unknown
  std::string health;                                   // the scan's health findings from series.json ("OK", or
                                                        // the findings); empty: unknown
};

// A folder of input files whose headers could not be read (summary.tsv's
// UNREADABLE rows).
struct ReportUnreadable {
  std::string folder, detail;
};

// Every unit below `outputFolder`: a folder with provenance.json is a finished
// unit, one with a status.json saying it failed is a failed unit; the folder
// itself counts when it holds provenance.json (a batch of one). Sorted by id.
// Unreadable files become failed units naming them.
std::vector<ReportUnit> collectReportUnits(const std::filesystem::path& outputFolder);

// The UNREADABLE rows of outputFolder/summary.tsv (none when it is absent).
std::vector<ReportUnreadable> collectUnreadableInputs(const std::filesystem::path& outputFolder);

// A message as the report may show it: every path in it reduced to its file
// name, since folder names of an export often carry patient names
// ("…/MUELLER_JUERGEN/IM0005.dcm: ..." -> "IM0005.dcm: ...").
std::string withoutFolders(const std::string& message);

struct ReportOptions {
  std::vector<ReportUnreadable> unreadable;
  // Said on a unit page without a 3D render: why there is none.
  std::string noRenderReason = "medpipe was built without VTK";  // with VTK: `run --no-report` renders none
};

struct ReportSummary {
  std::filesystem::path index;  // OUT/report/index.html
  size_t units = 0, failed = 0, outliers = 0;
};

// Writes outputFolder/report/ (index.html, units/<n>.html), each file
// atomically. Throws medpipe::Error naming the file it cannot write.
ReportSummary writeBatchReport(const std::filesystem::path& outputFolder, const std::vector<ReportUnit>& units,
                               const ReportOptions& options = {});

}  // namespace medpipe
