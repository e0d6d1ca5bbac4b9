// medpipe report on a real small batch (phantom export with PHI in its headers,
// one noisy series, one corrupt series recorded as failed): the pages' content,
// links, offline-ness and PHI, then headless Chromium: no console errors, every
// image decodes, the table sorts, the screenshot is not blank.
#include <gtest/gtest.h>
#include <itkImageFileReader.h>
#include <itkRGBPixel.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "headless_chromium.h"
#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/phantom/body_phantom.h"
#include "medpipe/report/batch_report.h"
#include "report_files.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;
using test::runCommand;
using test::runMedpipe;

// PHI the phantom series carry; none of it may appear anywhere in the report.
const std::vector<std::string> kPhi = {"Müller",   "Jürgen",     "PID-ÄÖ-4711",
                                       "19450317", "ACC-ß-0815", "1.2.826.0.1.3680043.9.7777"};

using test::countOf;
using test::readText;

class BatchReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = new test::TempDir("batch-report");
    // The export sits in a folder named after the patient, as PACS exports
    // often do: failure messages name files, and the report must not show the
    // folder.
    const fs::path exportRoot = *dir / "Müller_Jürgen" / "export";
    vtk = runMedpipe("--version").out.find("VTK") != std::string::npos;
    for (int series = 1; series <= 6; ++series) {
      PhantomSpec spec;
      spec.size = {96, 96, 12};
      spec.spacing = {2.0, 2.0, 5.0};
      spec.seed = std::uint32_t(series);
      spec.noiseSigma = series == 4 ? 60 : 20;  // series 4 is the noisy outlier
      DicomSeriesInfo info;
      info.patientName = "Müller^Jürgen";
      info.patientId = "PID-ÄÖ-4711";
      info.patientBirthDate = "19450317";
      info.accessionNumber = "ACC-ß-0815";
      info.studyInstanceUid = "1.2.826.0.1.3680043.9.7777.1";
      info.seriesInstanceUid = "1.2.826.0.1.3680043.9.7777.2." + std::to_string(series);
      info.seriesNumber = series;
      info.seriesDescription = "Series " + std::to_string(series);
      info.rescaleIntercept = -1024;
      info.manufacturer = series <= 3 ? "ScannerA" : "ScannerB";  // two scanner models: plots grouped
      writeDicomSeries(*makeBodyPhantom(spec).image, exportRoot / ("S" + std::to_string(series)), info);
    }
    fs::resize_file(exportRoot / "S6" / "IM0005.dcm",
                    3000);  // series 6 cannot be read
    // A file whose header cannot be read (DICM, then garbage) in a folder named
    // with PHI: an unreadable input, not a unit.
    fs::create_directories(exportRoot / "PID-ÄÖ-4711");
    std::ofstream(exportRoot / "PID-ÄÖ-4711" / "IM0001.dcm", std::ios::binary)
        << std::string(128, '\0') << "DICM" << std::string("\x02\x00\x10\x00UI\xff\x7fgarbage", 16);
    std::ofstream(*dir / "qc.yaml") << "input: {path: '${input_dir}', series: modality=CT}\n"
                                       "steps:\n"
                                       "  qc: {stage: quality-metrics, input: input}\n"
                                       "  bone: {stage: binary-threshold, input: input, lower: 300, upper: "
                                       "3000}\n"
                                       "  stats: {stage: label-statistics, input: {image: input, labels: "
                                       "bone}}\n"
                                       "outputs:\n"
                                       "  - {step: qc, file: quality.csv}\n"
                                       "  - {step: stats, file: stats.csv}\n"
                                       "  - {step: bone, file: bone-preview.png, format: preview}\n";
    out = *dir / "out";
    exportFolder = exportRoot;
    const std::string common =
        "run " + (*dir / "qc.yaml").string() + " --input " + exportRoot.string() + " --output " + out.string() + " -q";
    runResult = runMedpipe(common + " -j 2");
    // The failed unit as a workflow engine records it (status.json).
    std::smatch failed;
    if (std::regex_search(runResult.err, failed, std::regex("error: (6_Series_6_[0-9a-f]+):"))) failedId = failed[1];
    runIndex = readText(out / "report" / "index.html");  // what `run` wrote by itself
    if (!failedId.empty()) runMedpipe(common + " --unit " + failedId + " --record-failure");
    reportResult = runMedpipe("report " + out.string());
  }
  static void TearDownTestSuite() { delete dir; }

  static fs::path page(const std::string& name) { return out / "report" / name; }

  static test::TempDir* dir;
  static bool vtk;
  static fs::path out, exportFolder;
  static test::CommandResult runResult, reportResult;
  static std::string failedId, runIndex;
};
test::TempDir* BatchReport::dir = nullptr;
bool BatchReport::vtk = false;
fs::path BatchReport::out, BatchReport::exportFolder;
test::CommandResult BatchReport::runResult, BatchReport::reportResult;
std::string BatchReport::failedId, BatchReport::runIndex;

TEST_F(BatchReport, RunWritesTheReportItselfWithTheUnitThatFailedInIt) {
  ASSERT_FALSE(failedId.empty()) << runResult.err;
  EXPECT_EQ(countOf(runIndex, "<tr data-flag=") + countOf(runIndex, "<tr class=\"failed\" data-flag="), 6u);
  EXPECT_NE(runIndex.find(">" + failedId + "</a>: "),
            std::string::npos);  // listed with its message

  const fs::path quiet = *dir / "no-report";
  const auto r = runMedpipe("run " + (*dir / "qc.yaml").string() + " --input " + (exportFolder / "S1").string() +
                            " --output " + quiet.string() + " -q --no-report");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fs::exists(quiet / "quality.csv"));
  EXPECT_FALSE(fs::exists(quiet / "report"));
  EXPECT_FALSE(fs::exists(quiet / kReportRenderFile));  // the report's 3D picture neither
}

// The picture is drawn beside the steps: when a step fails, its child is stopped and its work files
// go with it, and the unit is reported failed (not a picture warning).
TEST_F(BatchReport, AFailingStepStopsThePictureAndLeavesNoWorkFiles) {
  if (!vtk) GTEST_SKIP() << "medpipe built without VTK";
  const fs::path folder = *dir / "failing-step";
  std::ofstream(*dir / "failing.yaml") << "input: {path: '${input_dir}'}\n"
                                          "steps:\n"
                                          "  lung: {stage: threshold-level-set, input: input, seeds: [[9999, 0, 0]]}\n"
                                          "outputs:\n"
                                          "  - {step: lung, file: lung.nii.gz}\n";
  const auto r = runMedpipe("run " + (*dir / "failing.yaml").string() + " --input " + (exportFolder / "S1").string() +
                            " --output " + folder.string() + " -q");
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_NE(r.err.find("step 'lung' (threshold-level-set)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no 3D picture"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(folder / ".report-render-input.nii"));
  EXPECT_FALSE(fs::exists(folder / ".report-render.log"));
  EXPECT_FALSE(fs::exists(folder / "lung.nii.gz"));
  // "rende[r]" keeps pgrep from finding the shell that runs it.
  EXPECT_NE(test::runCommand("pgrep -f -- 'medpipe-rende[r] render " + folder.string() + "/'").exitCode, 0)
      << "a medpipe-render is left running";
}

// VTK aborts the process when it cannot reach the X server; the report's picture is rendered in
// a child process, so the unit is still done and the run says why the picture is missing.
TEST_F(BatchReport, ARenderThatAbortsCostsThePictureNotTheUnit) {
  if (!vtk) GTEST_SKIP() << "medpipe built without VTK";
  const fs::path folder = *dir / "bad-display";
  const auto r = runCommand("DISPLAY=:999 " + std::string(MEDPIPE_EXE) + " run " + (*dir / "qc.yaml").string() +
                            " --input " + (exportFolder / "S1").string() + " --output " + folder.string() + " -q");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fs::exists(folder / "quality.csv"));
  EXPECT_FALSE(fs::exists(folder / kReportRenderFile));
  EXPECT_FALSE(fs::exists(folder / ".report-render-input.nii"));  // the child's input is removed
  EXPECT_NE(r.err.find("medpipe run: warning: " + folder.string() + ": no 3D picture for the report: "),
            std::string::npos)
      << r.err;
  EXPECT_NE(readText(folder / "report" / "units" / "u00001.html").find("<p id=\"no-render\">none: "),
            std::string::npos);
}

TEST_F(BatchReport, AFolderWithoutUnitsIsAnErrorNamingIt) {
  const auto missing = runMedpipe("report " + (*dir / "missing").string());
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err, "medpipe report: error: " + (*dir / "missing").string() + ": not a folder\n");
  fs::create_directories(*dir / "empty");
  const auto empty = runMedpipe("report " + (*dir / "empty").string());
  EXPECT_EQ(empty.exitCode, 1);
  EXPECT_EQ(empty.err, "medpipe report: error: " + (*dir / "empty").string() +
                           ": no units: no provenance.json or status.json in "
                           "it or its subfolders\n");
  EXPECT_FALSE(fs::exists(*dir / "empty" / "report"));
}

TEST_F(BatchReport, IndexHasOneRowPerUnitFlagsTheNoisySeriesAndListsTheFailure) {
  ASSERT_FALSE(failedId.empty()) << runResult.err;
  ASSERT_EQ(reportResult.exitCode, 0) << reportResult.err;
  EXPECT_NE(reportResult.out.find("6 units, 1 failed, 1 flagged"), std::string::npos) << reportResult.out;
  const std::string index = readText(page("index.html"));
  EXPECT_EQ(countOf(index, "<tr data-flag=") + countOf(index, "<tr class=\"failed\" data-flag="), 6u);
  // The noisy unit's row names noise-gnl among its flags.
  const std::regex noisyRow("4_Series_4_[0-9a-f]+</a></td>.*?<td class=\"flag\"[^>]*>([^<]*)</td>");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(index, m, noisyRow));
  EXPECT_NE(m[1].str().find("noise-gnl"), std::string::npos) << m[1];
  EXPECT_NE(index.find("IM0005.dcm"),
            std::string::npos);  // the failure's message names the file
  EXPECT_EQ(countOf(index, "<svg class=\"plot\""),
            14u);  // 12 CT quality metrics + bone volume and mean
}

TEST_F(BatchReport, EveryLinkResolvesNothingPointsOffTheMachineAndNoPhi) {
  ASSERT_EQ(reportResult.exitCode, 0);
  size_t pages = 0, links = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out / "report")) {
    const std::string name = entry.path().string();
    for (const auto& phi : kPhi) EXPECT_EQ(name.find(phi), std::string::npos) << name;
    if (!entry.is_regular_file()) continue;
    const std::string text = readText(entry.path());
    for (const auto& phi : kPhi) EXPECT_EQ(text.find(phi), std::string::npos) << phi << " in " << name;
    EXPECT_EQ(text.find("http:"), std::string::npos) << name;
    EXPECT_EQ(text.find("https:"), std::string::npos) << name;
    EXPECT_EQ(text.find("//"), std::string::npos) << name;  // no protocol-relative URLs either
    ++pages;
    const std::regex reference("(?:href|src)=\"([^\"#]+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), reference); it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(fs::exists(entry.path().parent_path() / (*it)[1].str())) << (*it)[1] << " from " << name;
      ++links;
    }
    EXPECT_LE(fs::file_size(entry.path()), 1500u * 1000) << name;
  }
  EXPECT_EQ(pages, 7u);  // index + 6 unit pages
  EXPECT_GT(links, 6u * 3);
}

TEST_F(BatchReport, UnitPageShowsMetricsPercentilesStepsAndImages) {
  const std::string unit = readText(page("units/u00001.html"));
  EXPECT_NE(unit.find("<td class=\"t\">noise-gnl</td>"), std::string::npos);
  EXPECT_NE(unit.find("cohort percentile"), std::string::npos);
  EXPECT_NE(unit.find("<td class=\"t\">quality-metrics</td>"), std::string::npos);
  EXPECT_NE(unit.find("lower=300"), std::string::npos);
  EXPECT_NE(unit.find("bone-preview.png\" alt="), std::string::npos);
}

TEST_F(BatchReport, UnitPageShowsHistogramHealthAndTheRenderOrWhyNot) {
  const std::string unit = readText(page("units/u00001.html"));
  // The histogram provenance.json records covers every voxel of the 96x96x12
  // input.
  fs::path first;  // u00001 is the first unit by id: series 1
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.path().filename().string().rfind("1_Series_1_", 0) == 0) first = entry.path();
  const std::string provenance = readText(first / "provenance.json");
  std::smatch h;
  ASSERT_TRUE(std::regex_search(provenance, h,
                                std::regex("\"below\": (\\d+),\\s*\"above\": "
                                           "(\\d+),\\s*\"counts\": \\[([^\\]]*)\\]")))
      << provenance;
  long long total = std::stoll(h[1]) + std::stoll(h[2]), bins = 0, nonEmpty = 0;
  std::stringstream counts(h[3].str());
  for (std::string c; std::getline(counts, c, ',');) total += std::stoll(c), ++bins, nonEmpty += std::stoll(c) > 0;
  EXPECT_EQ(total, 96 * 96 * 12);
  EXPECT_EQ(bins, 64);
  EXPECT_EQ(countOf(unit, "<svg class=\"histogram\""), 1u);
  EXPECT_EQ(countOf(unit, "class=\"bar\""), size_t(nonEmpty));  // one bar per non-empty bin
  EXPECT_GT(nonEmpty, 10);
  EXPECT_NE(unit.find("<h2>Health findings</h2><p id=\"health\">OK</p>"), std::string::npos);
  EXPECT_NE(unit.find("<p>Scanner: ScannerA</p>"), std::string::npos);
  EXPECT_NE(unit.find("<h2>Slice montages</h2>"), std::string::npos);
  if (vtk)
    EXPECT_NE(unit.find("report-render.png\" alt="), std::string::npos);
  else
    EXPECT_NE(unit.find("none: medpipe was built without VTK"), std::string::npos);
}

TEST_F(BatchReport, PlotsAreGroupedByScannerAndFailuresAndUnreadableInputsShowNoFolders) {
  ASSERT_EQ(reportResult.exitCode, 0) << reportResult.err;
  const std::string index = readText(page("index.html"));
  // Two scanner models: every plot has a row for each, with its count of
  // finished units.
  EXPECT_EQ(countOf(index, ">ScannerA (3)</text>"), 14u);
  EXPECT_EQ(countOf(index, ">ScannerB (2)</text>"), 14u);
  EXPECT_EQ(countOf(index, "<td class=\"t\">ScannerB</td>"), 3u);
  // The failure names the file, not its folders (the export lies in a folder
  // named after the patient).
  std::smatch failed;
  ASSERT_TRUE(std::regex_search(index, failed, std::regex("<ul id=\"failed\"><li>.*?</a>: ([^<]*)</li>")));
  EXPECT_EQ(failed[1].str().rfind("IM0005.dcm: ", 0), 0u) << failed[1];
  EXPECT_EQ(index.find(exportFolder.string()), std::string::npos);
  std::smatch unreadable;
  ASSERT_TRUE(std::regex_search(index, unreadable, std::regex("<ul id=\"unreadable\"><li>([^<]*)</li></ul>")));
  EXPECT_EQ(unreadable[1].str().rfind("1 file(s) could not be read, the first IM0001.dcm: ", 0), 0u) << unreadable[1];
  EXPECT_NE(reportResult.out.find("6 units, 1 failed"), std::string::npos);
}

TEST_F(BatchReport, ChromiumLoadsEveryPageWithoutErrorsAndImagesDecode) {
  REQUIRE_CHROMIUM();
  ASSERT_EQ(reportResult.exitCode, 0);
  for (const auto& entry : fs::directory_iterator(out / "report" / "units")) {
    const fs::path netLog = *dir / ("net-" + entry.path().stem().string() + ".json");
    const auto r = test::chromium(*dir / ("profile-" + entry.path().stem().string()),
                                  "--log-net-log=" + netLog.string() + " --dump-dom file://" + entry.path().string());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
    ASSERT_GT(fs::file_size(netLog), 0u);
    EXPECT_EQ(test::pageNetworkRequests(netLog), std::vector<std::string>{}) << entry.path();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("data-images-decoded=\"(\\d+)/(\\d+)\""))) << entry.path();
    EXPECT_EQ(m[1], m[2]) << entry.path();
    // u00006 failed; the others show the slice montage, and the 3D render when
    // built with VTK.
    EXPECT_EQ(m[2], entry.path().filename() == "u00006.html" ? "0" : vtk ? "2" : "1") << entry.path() << "\n"
                                                                                    << runResult.err;
  }
}

// The control for the checks above: a page that asks the network is caught.
TEST(HeadlessChromium, TheNetLogListsARequestOfThePage) {
  REQUIRE_CHROMIUM();
  test::TempDir dir("chromium-net-log");
  std::ofstream(dir / "page.html") << "<!DOCTYPE html><img src=\"http://example.invalid/x.png\">";
  const auto r = test::chromium(dir / "profile", "--log-net-log=" + (dir / "net.json").string() +
                                                     " --dump-dom file://" + (dir / "page.html").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(test::pageNetworkRequests(dir / "net.json"), std::vector<std::string>{"http://example.invalid/x.png"});
}

TEST_F(BatchReport, ChromiumSortsTheTableAndTheScreenshotIsNotBlank) {
  REQUIRE_CHROMIUM();
  ASSERT_EQ(reportResult.exitCode, 0);
  const fs::path netLog = *dir / "net-index.json";
  const auto r = test::chromium(*dir / "profile-index", "--log-net-log=" + netLog.string() + " --dump-dom 'file://" +
                                                            page("index.html").string() + "#sort=noise-gnl'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
  EXPECT_EQ(test::pageNetworkRequests(netLog), std::vector<std::string>{});
  EXPECT_NE(r.out.find("<span id=\"pageinfo\">rows 1-6 of 6</span>"), std::string::npos);  // one page
  EXPECT_EQ(countOf(r.out, "style=\"display: none;\""), 0u);
  // Sorted by noise-gnl: the noisy series 4 comes after the other four, the
  // failed unit (no value) last.
  const size_t four = r.out.find(">4_Series_4_"), five = r.out.find(">5_Series_5_"), six = r.out.find(">6_Series_6_");
  ASSERT_NE(four, std::string::npos);
  EXPECT_LT(five, four);
  EXPECT_LT(four, six);
  EXPECT_EQ(countOf(r.out, "<tr data-flag=") + countOf(r.out, "<tr class=\"failed\" data-flag="), 6u);

  const fs::path shot = *dir / "report.png";
  const auto s = test::chromium(*dir / "profile-shot", "--window-size=1200,900 --screenshot=" + shot.string() +
                                                           " file://" + page("index.html").string());
  ASSERT_EQ(s.exitCode, 0) << s.err;
  using RgbImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  auto reader = itk::ImageFileReader<RgbImage>::New();
  reader->SetFileName(shot.string());
  reader->Update();
  const RgbImage* image = reader->GetOutput();
  const size_t n = image->GetBufferedRegion().GetNumberOfPixels();
  std::set<unsigned> colours;
  size_t nonWhite = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto p = image->GetBufferPointer()[i];
    colours.insert(p[0] << 16 | p[1] << 8 | p[2]);
    nonWhite += p[0] < 250 || p[1] < 250 || p[2] < 250;
  }
  EXPECT_EQ(n, 1200u * 900);
  EXPECT_GT(nonWhite, n / 50);
  EXPECT_GT(colours.size(), 20u);
}

}  // namespace
}  // namespace medpipe

namespace medpipe {
namespace {

TEST(ReportUnits, UnreadableUnitFilesBecomeFailedUnitsNamingThem) {
  test::TempDir out("report-units");
  fs::create_directories(out / "a");
  fs::create_directories(out / "b");
  fs::create_directories(out / "c");
  std::ofstream(out / "a" / "provenance.json") << "{not json";
  std::ofstream(out / "b" / "status.json") << "{\"unit\": \"b\", \"ok\": false, \"error\": \"IM1: Rows: missing\"}";
  std::ofstream(out / "c" / "status.json") << "{\"unit\": \"c\", \"ok\": true}";  // finished elsewhere: no unit here
  const auto units = collectReportUnits(out.path());
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].id, "a");
  EXPECT_FALSE(units[0].ok);
  EXPECT_EQ(units[0].message.rfind((out / "a" / "provenance.json").string() + ": cannot read (", 0), 0u)
      << units[0].message;
  EXPECT_EQ(units[1].id, "b");
  EXPECT_FALSE(units[1].ok);
  EXPECT_EQ(units[1].message, "IM1: Rows: missing");
}

}  // namespace
}  // namespace medpipe

namespace medpipe {
namespace {

TEST(ReportUnits, MessagesLoseTheirFoldersAndKeepTheFileName) {
  EXPECT_EQ(withoutFolders("/data/Müller Jürgen/S6/IM0005.dcm: PixelData: value length 2048 runs past the end"),
            "IM0005.dcm: PixelData: value length 2048 runs past the end");
  EXPECT_EQ(withoutFolders("out/PID-4711/provenance.json: cannot read (bad)"), "provenance.json: cannot read (bad)");
  EXPECT_EQ(withoutFolders("step 'qc' (quality-metrics): leads out of the output folder /x/Doe^John/ (through a link)"),
            "step 'qc' (quality-metrics): leads out of the output folder (a folder) (through a link)");
  EXPECT_EQ(withoutFolders("cancelled"), "cancelled");
  EXPECT_EQ(withoutFolders("1 file(s) could not be read, the first IM0001.dcm: Rows: missing"),
            "1 file(s) could not be read, the first IM0001.dcm: Rows: missing");
}

}  // namespace
}  // namespace medpipe
