// medpipe listen against a real Orthanc: the round trip (Orthanc C-MOVEs a series to listen, the
// pipeline runs, a derived series and a SEG go back into the source's study) and the faults
// (aborted association, late instances, kill -9, four senders at once, refusals, dead letters).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include <itkImageRegionConstIterator.h>

#include "aborting_sender.h"
#include "image_compare.h"
#include "medpipe/io/segmentation.h"
#include "net_test_support.h"

namespace medpipe::test {
namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t countOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::vector<fs::path> filesOf(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

const char* kPipeline = R"(input: ${input_dir}
steps:
  smooth: {stage: gaussian, input: input, sigma: 1}
  body: {stage: binary-threshold, input: input, lower: -200, upper: 3000}
outputs:
  - {step: smooth, file: smooth-dicom, format: dicom, description: Smoothed CT}
  - {step: body, file: body-seg.dcm, format: dicom}
)";

class Listen : public ::testing::Test {
 protected:
  void SetUp() override {
    MEDPIPE_REQUIRE_ORTHANC();
    port_ = sandbox_.freePort();
    orthanc_ = std::make_unique<OrthancServer>(sandbox_, dir_ / "orthanc",
                                               "\"medpipe\": [\"MEDPIPE\", \"127.0.0.1\", " + std::to_string(port_) + "]");
    ASSERT_TRUE(orthanc_->started()) << orthanc_->failure();
    std::ofstream(dir_ / "pipeline.yaml") << kPipeline;
  }
  void TearDown() override { stopListener(); }

  // A phantom CT series of 8 slices (64x64) under dir_/name/dicom; returns its files.
  std::vector<fs::path> phantom(const std::string& name, int seed = 1) {
    EXPECT_EQ(runMedpipe("phantom -o " + (dir_ / name).string() + " --size 64x64x8 --seed " + std::to_string(seed)).exitCode, 0);
    return filesOf(dir_ / name / "dicom");
  }

  std::string listenPeer() const { return "MEDPIPE@127.0.0.1:" + std::to_string(port_); }

  void startListener(const std::string& extra = "", double idle = 0.5) {
    std::vector<std::string> argv = {MEDPIPE_EXE, "listen", "--aet", "MEDPIPE", "--port", std::to_string(port_),
                                     "--config", (dir_ / "pipeline.yaml").string(), "--output", out_.string(),
                                     "--idle", std::to_string(idle)};
    std::istringstream words(extra);
    for (std::string w; words >> w;) argv.push_back(w);
    listener_ = sandbox_.spawn(argv, dir_ / ("listen-" + std::to_string(++starts_) + ".log"));
    // Up once it says so (after its port is open); bounded generously for a loaded sanitizer run.
    ASSERT_TRUE(waitFor([&] { return log().find("listening as MEDPIPE") != std::string::npos; }, 300)) << log();
  }
  void stopListener(int signal = SIGTERM) {
    stopProcess(listener_, signal);
    listener_ = -1;
  }
  std::string log() const { return slurp(dir_ / ("listen-" + std::to_string(starts_) + ".log")); }
  std::string allLogs() const {
    std::string all;
    for (int i = 1; i <= starts_; ++i) all += slurp(dir_ / ("listen-" + std::to_string(i) + ".log"));
    return all;
  }
  std::string audit() const { return slurp(out_ / "audit.log"); }
  bool waitForLog(const std::string& text, size_t times = 1, int attempts = 300) {
    return waitFor([&] { return countOf(log(), text) >= times; }, attempts);
  }

  NetworkSandbox sandbox_;
  TempDir dir_{"listen"};
  fs::path out_ = dir_ / "out";
  std::unique_ptr<OrthancServer> orthanc_;
  uint16_t port_ = 0;
  pid_t listener_ = -1;
  int starts_ = 0;
};

TEST_F(Listen, RoundTripFromOrthancThroughThePipelineBackIntoTheStudy) {
  phantom("ct");
  ASSERT_EQ(sandbox_.medpipe("pacs send " + orthanc_->peer() + " " + (dir_ / "ct" / "dicom").string()).exitCode, 0);
  const auto source = sandbox_.medpipe("pacs find " + orthanc_->peer() + " --level series --json");
  const std::string study = jsonValue(source.out, "StudyInstanceUID"), series = jsonValue(source.out, "SeriesInstanceUID");
  ASSERT_FALSE(series.empty()) << source.out;

  startListener("--send-to " + orthanc_->peer());
  const auto moved = sandbox_.medpipe("pacs move " + orthanc_->peer() + " --series " + series + " --dest MEDPIPE");
  ASSERT_EQ(moved.exitCode, 0) << moved.err;
  EXPECT_EQ(moved.out, "moved 8 instance(s)\n");
  ASSERT_TRUE(waitFor([&] { return audit().find("\"event\":\"send\"") != std::string::npos; }, 600)) << log();
  EXPECT_NE(audit().find("\"outcome\":\"sent\""), std::string::npos) << audit();

  // The listener said when the series was complete and how long after its last instance it started.
  const std::regex complete("series [0-9a-f]{8} complete \\(8 instance\\(s\\), slices: OK\\); pipeline starts ([0-9.]+) s after its last instance");
  std::smatch m;
  const std::string text = log();
  ASSERT_TRUE(std::regex_search(text, m, complete)) << text;
  EXPECT_GE(std::stod(m[1]), 0.5);

  // Orthanc now holds, in the source's study, the derived series (8 slices) and a SEG: asked by
  // QIDO-RS, read back by WADO-RS, they are what the pipeline wrote.
  const std::string web = orthanc_->dicomweb();
  const auto after = sandbox_.medpipe("pacs find " + web + " --level series --study " + study + " --json");
  ASSERT_EQ(after.exitCode, 0) << after.err;
  EXPECT_EQ(countOf(after.out, "\"StudyInstanceUID\": \"" + study + "\""), 3u) << after.out;
  EXPECT_NE(after.out.find("\"Modality\": \"SEG\""), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("\"SeriesDescription\": \"Smoothed CT\",\n    \"NumberOfSeriesRelatedInstances\": \"8\""), std::string::npos) << after.out;
  const auto seg = sandbox_.medpipe("pacs find " + web + " --level series --modality SEG --json");
  const std::string segSeries = jsonValue(seg.out, "SeriesInstanceUID");
  ASSERT_FALSE(segSeries.empty()) << seg.out;
  const auto gotSeg = sandbox_.medpipe("pacs get " + web + " --series " + segSeries + " -o " + (dir_ / "back").string());
  ASSERT_EQ(gotSeg.exitCode, 0) << gotSeg.err;
  EXPECT_EQ(gotSeg.out, "received 1 instance(s) into " + (dir_ / "back").string() + "\n");
  const fs::path results = out_ / "results" / series;
  const auto grid = readSeriesFolder(dir_ / "ct" / "dicom");
  ASSERT_TRUE(grid);
  const auto segFiles = filesOf(dir_ / "back" / segSeries);
  ASSERT_EQ(segFiles.size(), 1u);
  const Segmentation fromPacs = readSegmentation(segFiles.front(), *grid);
  const Segmentation local = readSegmentation(results / "body-seg.dcm", *grid);
  size_t labelled = 0, differing = 0;
  for (itk::ImageRegionConstIterator<LabelImage> a(fromPacs.labels, fromPacs.labels->GetLargestPossibleRegion()),
       b(local.labels, local.labels->GetLargestPossibleRegion());
       !a.IsAtEnd(); ++a, ++b) {
    labelled += a.Get() != 0;
    differing += a.Get() != b.Get();
  }
  EXPECT_GT(labelled, 1000u);
  EXPECT_EQ(differing, 0u);
  // The derived series by WADO-RS at study level: every series of the study comes back.
  ASSERT_EQ(sandbox_.medpipe("pacs get " + web + " --study " + study + " -o " + (dir_ / "study").string()).exitCode, 0);
  std::string derivedSeries;
  for (const auto& e : fs::directory_iterator(dir_ / "study"))
    if (e.path().filename() != series && e.path().filename() != segSeries) derivedSeries = e.path().filename();
  ASSERT_EQ(filesOf(dir_ / "study" / derivedSeries).size(), 8u);
  const auto derived = readSeriesFolder(dir_ / "study" / derivedSeries);
  const auto localDerived = readSeriesFolder(results / "smooth-dicom");
  ASSERT_TRUE(derived && localDerived);
  EXPECT_EQ(compareInPhysicalSpace(*derived, *localDerived).maxValueDifference, 0.0);
  EXPECT_EQ(compareInPhysicalSpace(*derived, *localDerived).voxelsCompared, 64u * 64u * 8u);

  // Audit: Orthanc's association with 8 instances of that series, and our send; no PHI anywhere.
  EXPECT_NE(audit().find("\"calling_aet\":\"ORTHANC\",\"calling_host\":\"127.0.0.1\",\"called_aet\":\"MEDPIPE\",\"outcome\":\"released\",\"instances\":8"),
            std::string::npos) << audit();
  EXPECT_NE(audit().find("\"series\":[\"" + series + "\"]"), std::string::npos);
  for (const char* phi : {"MEDPIPE-PHANTOM", "PHANTOM^MEDPIPE", "PHANTOM"}) {
    EXPECT_EQ(audit().find(phi), std::string::npos) << phi;
    EXPECT_EQ(log().find(phi), std::string::npos) << phi << " in\n" << log();
  }
}

TEST_F(Listen, AnAbortedAssociationKeepsItsInstancesAndItsSeriesWaits) {
  const auto files = phantom("ct");
  startListener();
  ASSERT_EQ(sendThenAbort(sandbox_.holder(), "MEDPIPE", port_, files, 3), "");
  ASSERT_TRUE(waitFor([&] { return audit().find("\"outcome\":\"aborted\",\"instances\":3") != std::string::npos; }, 300)) << audit();
  ASSERT_TRUE(waitForLog("aborted after 3 instance(s); its series wait for the sender to resume")) << log();
  // Three idle times later nothing ran: a partial series is not taken for complete.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(log().find(" complete ("), std::string::npos) << log();
  EXPECT_TRUE(filesOf(out_ / "results").empty());
  size_t kept = 0;
  for (const auto& e : fs::recursive_directory_iterator(out_ / "incoming"))
    if (e.path().extension() == ".dcm") ++kept;
  EXPECT_EQ(kept, 3u);
  // The sender comes back with the whole series: now it completes, with 8.
  ASSERT_EQ(sandbox_.medpipe("pacs send " + listenPeer() + " " + (dir_ / "ct" / "dicom").string()).exitCode, 0);
  ASSERT_TRUE(waitForLog(": pipeline done")) << log();
  EXPECT_NE(log().find(" complete (8 instance(s)"), std::string::npos) << log();
}

TEST_F(Listen, ALateInstanceReopensTheSeriesAndTheRerunReplacesTheResults) {
  const auto files = phantom("ct");
  startListener();
  // All but the fourth slice: complete after the idle time, with the gap reported.
  std::string args;
  for (size_t i = 0; i < files.size(); ++i)
    if (i != 3) args += " " + files[i].string();
  ASSERT_EQ(sandbox_.medpipe("pacs send " + listenPeer() + args).exitCode, 0);
  ASSERT_TRUE(waitForLog(": pipeline done")) << log();
  EXPECT_NE(log().find(" complete (7 instance(s), slices: missing slices at "), std::string::npos) << log();
  std::string firstProvenance;
  for (const auto& e : fs::recursive_directory_iterator(out_ / "results"))
    if (e.path().filename() == "provenance.json") firstProvenance = slurp(e.path());
  ASSERT_NE(firstProvenance.find("\"contentHash\""), std::string::npos);
  // The sender pauses longer than the idle time, then sends the missing slice.
  ASSERT_EQ(sandbox_.medpipe("pacs send " + listenPeer() + " " + files[3].string()).exitCode, 0);
  ASSERT_TRUE(waitForLog(": pipeline done", 2)) << log();
  EXPECT_NE(log().find(" complete (8 instance(s), slices: OK); pipeline starts"), std::string::npos) << log();
  EXPECT_NE(log().find("replacing the earlier results"), std::string::npos) << log();
  // One results folder, of the 8-instance input (its provenance's content hash is another).
  size_t folders = 0, provenances = 0;
  std::string secondProvenance;
  for (auto it = fs::directory_iterator(out_ / "results"); it != fs::directory_iterator(); ++it) ++folders;
  for (const auto& e : fs::recursive_directory_iterator(out_ / "results"))
    if (e.path().filename() == "provenance.json") {
      ++provenances;
      secondProvenance = slurp(e.path());
    }
  EXPECT_EQ(folders, 1u);
  EXPECT_EQ(provenances, 1u);
  const auto hashOf = [](const std::string& p) { return p.substr(p.find("\"contentHash\""), 40); };
  EXPECT_NE(hashOf(firstProvenance), hashOf(secondProvenance));
}

TEST_F(Listen, ReceivedInstancesSurviveKillMinus9AndTheQueueResumes) {
  const auto files = phantom("ct");
  startListener("", 600);  // never idle long enough before the kill
  ASSERT_EQ(sandbox_.medpipe("pacs send " + listenPeer() + " " + (dir_ / "ct" / "dicom").string()).exitCode, 0);
  stopListener(SIGKILL);
  size_t kept = 0;
  for (const auto& e : fs::recursive_directory_iterator(out_ / "incoming"))
    if (e.path().extension() == ".dcm") ++kept;
  EXPECT_EQ(kept, 8u);
  startListener();
  EXPECT_NE(log().find("resumed 1 series received before a restart"), std::string::npos) << log();
  ASSERT_TRUE(waitForLog(": pipeline done")) << log();
  EXPECT_NE(log().find(" complete (8 instance(s)"), std::string::npos) << log();
  // Processed once: a further restart has nothing to resume.
  stopListener();
  startListener();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(log().find("resumed"), std::string::npos) << log();
}

TEST_F(Listen, FourSimultaneousAssociations) {
  for (int i = 1; i <= 4; ++i) phantom("ct" + std::to_string(i), i);
  startListener();
  std::vector<pid_t> senders;
  for (int i = 1; i <= 4; ++i)
    senders.push_back(sandbox_.spawn({MEDPIPE_EXE, "pacs", "send", listenPeer(), (dir_ / ("ct" + std::to_string(i)) / "dicom").string()},
                                     dir_ / ("send" + std::to_string(i) + ".log")));
  for (const pid_t pid : senders) {
    int status = -1;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ASSERT_TRUE(waitForLog(": pipeline done", 4, 600)) << log();
  EXPECT_EQ(countOf(audit(), "\"outcome\":\"released\",\"instances\":8"), 4u) << audit();
  EXPECT_EQ(filesOf(out_ / "results").size(), 0u);  // only folders
  size_t folders = 0;
  for (const auto& e : fs::directory_iterator(out_ / "results"))
    if (e.is_directory() && e.path().filename().string()[0] != '.') ++folders;
  EXPECT_EQ(folders, 4u);
}

TEST_F(Listen, WrongCalledAeTitleCallersOffTheAllowListAndAFullDiskAreRefused) {
  startListener("--allow OTHER@127.0.0.1,MEDPIPE@10.9.9.9");
  const auto wrongAe = sandbox_.medpipe("pacs echo WRONG@127.0.0.1:" + std::to_string(port_) + " --aet OTHER");
  EXPECT_EQ(wrongAe.exitCode, 1);
  EXPECT_NE(wrongAe.err.find("association refused or failed"), std::string::npos) << wrongAe.err;
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + listenPeer() + " --aet OTHER").exitCode, 0);
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + listenPeer() + " --aet MEDPIPE").exitCode, 1);  // right AE, wrong host
  ASSERT_TRUE(waitFor([&] { return countOf(audit(), "\"event\":\"association\"") >= 3; }, 300)) << audit();
  EXPECT_NE(audit().find("\"called_aet\":\"WRONG\",\"outcome\":\"refused\",\"reason\":\"called AE title 'WRONG' is not ours (MEDPIPE)\""),
            std::string::npos) << audit();
  EXPECT_NE(audit().find("\"calling_aet\":\"MEDPIPE\",\"calling_host\":\"127.0.0.1\",\"called_aet\":\"MEDPIPE\",\"outcome\":\"refused\",\"reason\":\"caller not on the allow-list\""),
            std::string::npos) << audit();
  // The audit line is written before the log line: wait for the log's own.
  EXPECT_TRUE(waitForLog("refused MEDPIPE@127.0.0.1: caller not on the allow-list")) << log();
  stopListener();
  startListener("--min-free-mb 1000000000");  // a petabyte: no disk has that much free
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + listenPeer()).exitCode, 1);
  ASSERT_TRUE(waitFor([&] { return audit().find("free disk space below the watermark") != std::string::npos; }, 300)) << audit();
}

TEST_F(Listen, UnsendableResultsAreRetriedThenParkedInTheDeadLetterFolder) {
  phantom("ct");
  const std::string nowhere = "NOBODY@127.0.0.1:" + std::to_string(sandbox_.freePort());
  startListener("--send-to " + nowhere + " --send-attempts 3 --retry-delay 0.1");
  ASSERT_EQ(sandbox_.medpipe("pacs send " + listenPeer() + " " + (dir_ / "ct" / "dicom").string()).exitCode, 0);
  ASSERT_TRUE(waitForLog("file(s) parked in")) << log();
  EXPECT_EQ(countOf(log(), "send attempt "), 3u) << log();
  EXPECT_EQ(countOf(audit(), "\"event\":\"send\",\"peer\":\"" + nowhere + "\""), 4u) << audit();  // 3 attempts + the parking
  EXPECT_NE(audit().find("\"outcome\":\"dead-letter: " + nowhere + ": C-STORE: association refused or failed"), std::string::npos) << audit();
  size_t dcm = 0;
  std::string reason;
  for (const auto& e : fs::recursive_directory_iterator(out_ / "dead-letter")) {
    if (e.path().extension() == ".dcm") ++dcm;
    if (e.path().filename() == "reason.txt") reason = slurp(e.path());
  }
  EXPECT_EQ(dcm, 9u);  // 8 derived slices and the SEG
  EXPECT_NE(reason.find("peer: " + nowhere + "\nattempts: 3\nreason: " + nowhere + ": C-STORE: association refused or failed"),
            std::string::npos) << reason;
}

// Mutual TLS: certificates made with openssl for this test (a CA, the listener's, a caller's).
TEST_F(Listen, MutualTlsAcceptsACertifiedCallerAndRefusesOthers) {
  const fs::path tls = dir_ / "tls";
  ASSERT_EQ(makeTestCertificates(tls, {"listener", "caller"}), "");
  const std::string port = std::to_string(port_);
  std::ofstream(tls / "peers.yaml") << "peers:\n"
      "  certified: {aet: MEDPIPE, host: 127.0.0.1, port: " << port << ", tls: {certificate: caller.pem, key: caller.key, ca: ca.pem}}\n"
      "  no-certificate: {aet: MEDPIPE, host: 127.0.0.1, port: " << port << ", tls: {ca: ca.pem}}\n"
      "  rogue: {aet: MEDPIPE, host: 127.0.0.1, port: " << port << ", tls: {certificate: rogue.pem, key: rogue.key, ca: ca.pem}}\n";
  startListener("--tls-cert " + (tls / "listener.pem").string() + " --tls-key " + (tls / "listener.key").string() +
                " --tls-ca " + (tls / "ca.pem").string());
  EXPECT_NE(log().find("listening as MEDPIPE on port " + port + " (TLS)"), std::string::npos);
  const std::string peers = " --peers " + (tls / "peers.yaml").string() + " --timeout 5";
  const auto certified = sandbox_.medpipe("pacs echo certified" + peers);
  EXPECT_EQ(certified.exitCode, 0) << certified.err;
  for (const char* refused : {"no-certificate", "rogue"}) {
    const auto r = sandbox_.medpipe(std::string("pacs echo ") + refused + peers);
    EXPECT_EQ(r.exitCode, 1) << refused;
    EXPECT_NE(r.err.find("C-ECHO: association refused or failed"), std::string::npos) << r.err;
  }
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + listenPeer() + " --timeout 5").exitCode, 1);  // no TLS at all
  // Data flows over TLS too.
  phantom("ct");
  ASSERT_EQ(sandbox_.medpipe("pacs send certified" + peers + " " + (dir_ / "ct" / "dicom").string()).exitCode, 0);
  ASSERT_TRUE(waitForLog(": pipeline done")) << log();
  EXPECT_EQ(countOf(audit(), "\"outcome\":\"released\""), 2u) << audit();  // the echo and the send; refused handshakes never reach DICOM
}

}  // namespace
}  // namespace medpipe::test
