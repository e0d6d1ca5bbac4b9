// The report of 10,000 units stays usable: unit records generated in memory (no pipeline run),
// written by writeBatchReport, then the group page's structure and size and headless Chromium
// loading it (no console errors, no network request, one page of 100 rows shown, plots bounded).
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "headless_chromium.h"
#include "medpipe/report/batch_report.h"
#include "report_files.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

using test::countOf;
using test::readText;

constexpr size_t kUnits = 10000, kMetrics = 12;

// 10,000 units from three scanner models, 1 % failed, every 250th far off in one metric.
std::vector<ReportUnit> generatedUnits() {
  std::mt19937 random(18);
  std::normal_distribution<double> noise(0, 1);
  std::vector<ReportUnit> units(kUnits);
  for (size_t i = 0; i < kUnits; ++i) {
    ReportUnit& u = units[i];
    char id[32];
    std::snprintf(id, sizeof id, "%zu_Series_%08zx", i + 1, i * 2654435761u % 0xffffffffu);
    u.id = id;
    u.description = "series " + std::to_string(i + 1) + " 'Thorax' (CT, 120 slices)";
    u.scanner = std::vector<std::string>{"Siemens Force", "GE Revolution", "Philips iCT"}[i % 3];
    u.health = i % 50 == 0 ? "missing slices at 42.5 mm" : "OK";
    u.ok = i % 100 != 7;
    if (!u.ok) {
      u.message = "/data/export/PATIENT_NAME_" + std::to_string(i) + "/IM0005.dcm: PixelData: truncated";
      continue;
    }
    for (size_t m = 0; m < kMetrics; ++m)
      u.metrics.emplace_back("metric-" + std::to_string(m),
                             100.0 * double(m + 1) + 5 * noise(random) + (i % 250 == 0 && m == 3 ? 400 : 0));
    u.steps = {{"qc", "quality-metrics", 1.25, {{"air-threshold", "-500"}}},
               {"bone", "binary-threshold", 0.5, {{"lower", "300"}, {"upper", "3000"}}}};
    u.histogram.lower = -1024, u.histogram.upper = 1500;
    for (int b = 0; b < 64; ++b) u.histogram.counts.push_back(1000 + 37 * b);
  }
  return units;
}

TEST(LargeBatchReport, TenThousandUnitsGiveAPagedGroupPageOfBoundedSize) {
  test::TempDir out("large-report");
  const ReportSummary summary = writeBatchReport(out.path(), generatedUnits());
  EXPECT_EQ(summary.units, kUnits);
  EXPECT_EQ(summary.failed, kUnits / 100);
  const std::string index = readText(summary.index);
  EXPECT_EQ(countOf(index, "<tr data-flag=") + countOf(index, "<tr class=\"failed\" data-flag="), kUnits);
  EXPECT_EQ(countOf(index, "<img"), 0u);  // no pictures on the group page
  EXPECT_EQ(countOf(index, "<svg class=\"plot\""), kMetrics);
  // Three scanner rows per plot, each past kMaxDots: densities, and only the outliers as dots.
  size_t siemens = 0;
  for (size_t i = 0; i < kUnits; ++i) siemens += i % 3 == 0 && i % 100 != 7;
  EXPECT_EQ(countOf(index, ">Siemens Force (" + std::to_string(siemens) + ")</text>"), kMetrics);
  EXPECT_GT(countOf(index, "class=\"density\""), kMetrics * 3 * 10);
  const size_t dots = countOf(index, "<circle");
  EXPECT_GE(dots, kUnits / 250);  // the units far off in metric-3
  EXPECT_LE(dots, kMetrics * 3 * 200);
  EXPECT_EQ(index.find("PATIENT_NAME"), std::string::npos);  // failure messages without folders
  EXPECT_EQ(countOf(index, "IM0005.dcm: PixelData: truncated"), kUnits / 100);
  // Mostly the table: about 0.7 KB a unit.
  EXPECT_LE(index.size(), 10u * 1000 * 1000);
  size_t pages = 0;
  for (const auto& entry : fs::directory_iterator(out / "report" / "units")) {
    EXPECT_LE(fs::file_size(entry.path()), 1500u * 1000) << entry.path();
    ++pages;
  }
  EXPECT_EQ(pages, kUnits);
  // A unit page of this library call (no ReportOptions: as a build without VTK writes it).
  const std::string unit = readText(out / "report" / "units" / "u00001.html");
  EXPECT_NE(unit.find("<p id=\"no-render\">none: medpipe was built without VTK</p>"), std::string::npos);
  EXPECT_EQ(countOf(unit, "class=\"bar\""), 64u);
  EXPECT_NE(unit.find("<p id=\"health\">missing slices at 42.5 mm</p>"), std::string::npos);
  const std::string failed = readText(out / "report" / "units" / "u00008.html");  // unit index 7 failed
  EXPECT_NE(failed.find("<b>failed:</b> IM0005.dcm: PixelData: truncated"), std::string::npos);
  EXPECT_EQ(failed.find("PATIENT_NAME"), std::string::npos);

  REQUIRE_CHROMIUM();
  const fs::path netLog = out / "net-log.json";
  const auto r = test::chromium(out / "profile", "--log-net-log=" + netLog.string() + " --dump-dom 'file://" +
                                                     summary.index.string() + "#sort=metric-3'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
  // One page of 100 rows is shown, the rest hidden; sorted by metric-3, the far-off units last
  // before the failed ones (no value).
  EXPECT_EQ(countOf(r.out, "style=\"display: none;\""), kUnits - 100);
  EXPECT_NE(r.out.find("<span id=\"pageinfo\">rows 1-100 of 10000</span>"), std::string::npos);
  // The page asked the network for nothing (the browser's log of it was written).
  ASSERT_GT(fs::file_size(netLog), 0u);
  EXPECT_EQ(test::pageNetworkRequests(netLog), std::vector<std::string>{});
}

}  // namespace
}  // namespace medpipe
