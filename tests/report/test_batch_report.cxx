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

#include "medpipe/io/dicom_series_writer.h"
#include "medpipe/phantom/body_phantom.h"
#include "medpipe/report/batch_report.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;
using test::runCommand;
using test::runMedpipe;

// PHI the phantom series carry; none of it may appear anywhere in the report.
const std::vector<std::string> kPhi = {"Müller",   "Jürgen",     "PID-ÄÖ-4711",
                                       "19450317", "ACC-ß-0815", "1.2.826.0.1.3680043.9.7777"};

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t countOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class BatchReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = new test::TempDir("batch-report");
    const fs::path exportRoot = *dir / "export";
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
      writeDicomSeries(*makeBodyPhantom(spec).image, exportRoot / ("S" + std::to_string(series)), info);
    }
    fs::resize_file(exportRoot / "S6" / "IM0005.dcm",
                    3000);  // series 6 cannot be read
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
  static fs::path out;
  static test::CommandResult runResult, reportResult;
  static std::string failedId, runIndex;
};
test::TempDir* BatchReport::dir = nullptr;
fs::path BatchReport::out;
test::CommandResult BatchReport::runResult, BatchReport::reportResult;
std::string BatchReport::failedId, BatchReport::runIndex;

TEST_F(BatchReport, RunWritesTheReportItselfWithTheUnitThatFailedInIt) {
  ASSERT_FALSE(failedId.empty()) << runResult.err;
  EXPECT_EQ(countOf(runIndex, "<tr data-flag=") + countOf(runIndex, "<tr class=\"failed\" data-flag="), 6u);
  EXPECT_NE(runIndex.find(">" + failedId + "</a>: "), std::string::npos);  // listed with its message

  const fs::path quiet = *dir / "no-report";
  const auto r = runMedpipe("run " + (*dir / "qc.yaml").string() + " --input " + (*dir / "export" / "S1").string() +
                            " --output " + quiet.string() + " -q --no-report");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fs::exists(quiet / "quality.csv"));
  EXPECT_FALSE(fs::exists(quiet / "report"));
}

TEST_F(BatchReport, AFolderWithoutUnitsIsAnErrorNamingIt) {
  const auto missing = runMedpipe("report " + (*dir / "missing").string());
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err, "medpipe report: error: " + (*dir / "missing").string() + ": not a folder\n");
  fs::create_directories(*dir / "empty");
  const auto empty = runMedpipe("report " + (*dir / "empty").string());
  EXPECT_EQ(empty.exitCode, 1);
  EXPECT_EQ(empty.err, "medpipe report: error: " + (*dir / "empty").string() +
                           ": no units: no provenance.json or status.json in it or its subfolders\n");
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
            std::string::npos);                           // the failure's message names the file
  EXPECT_EQ(countOf(index, "<svg class=\"plot\""), 14u);  // 12 CT quality metrics + bone volume and mean
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

// Headless Chromium from Debian, offline: nothing may be resolved or fetched.
test::CommandResult chromium(const fs::path& profile, const std::string& arguments) {
  fs::create_directories(profile);
  return runCommand(
      "chromium --headless --no-sandbox --disable-gpu "
      "--disable-quic --no-first-run "
      "--disable-background-networking "
      "--disable-component-update --disable-sync "
      "--host-resolver-rules='MAP * ~NOTFOUND' "
      "--enable-logging=stderr --v=0 --user-data-dir=" +
      profile.string() + " " + arguments);
}

#define REQUIRE_CHROMIUM()                             \
  if (runCommand("command -v chromium").exitCode != 0) \
  GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh)"

TEST_F(BatchReport, ChromiumLoadsEveryPageWithoutErrorsAndImagesDecode) {
  REQUIRE_CHROMIUM();
  ASSERT_EQ(reportResult.exitCode, 0);
  for (const auto& entry : fs::directory_iterator(out / "report" / "units")) {
    const auto r =
        chromium(*dir / ("profile-" + entry.path().stem().string()), "--dump-dom file://" + entry.path().string());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("data-images-decoded=\"(\\d+)/(\\d+)\""))) << entry.path();
    EXPECT_EQ(m[1], m[2]) << entry.path();
    EXPECT_EQ(m[2], entry.path().filename() == "u00006.html" ? "0" : "1") << entry.path();  // u00006: failed
  }
}

TEST_F(BatchReport, ChromiumSortsTheTableAndTheScreenshotIsNotBlank) {
  REQUIRE_CHROMIUM();
  ASSERT_EQ(reportResult.exitCode, 0);
  const auto r =
      chromium(*dir / "profile-index", "--dump-dom 'file://" + page("index.html").string() + "#sort=noise-gnl'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
  // Sorted by noise-gnl: the noisy series 4 comes after the other four, the
  // failed unit (no value) last.
  const size_t four = r.out.find(">4_Series_4_"), five = r.out.find(">5_Series_5_"), six = r.out.find(">6_Series_6_");
  ASSERT_NE(four, std::string::npos);
  EXPECT_LT(five, four);
  EXPECT_LT(four, six);
  EXPECT_EQ(countOf(r.out, "<tr data-flag=") + countOf(r.out, "<tr class=\"failed\" data-flag="), 6u);

  const fs::path shot = *dir / "report.png";
  const auto s = chromium(*dir / "profile-shot", "--window-size=1200,900 --screenshot=" + shot.string() + " file://" +
                                                     page("index.html").string());
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
