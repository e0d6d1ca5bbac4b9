// medpipe pacs echo|find|get|send against a real Orthanc (started by each test in its own network
// namespace, or on loopback). C-MOVE is tested with listen (test_listen.cxx).
#include <gtest/gtest.h>

#include <fstream>

#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "net_test_support.h"

namespace medpipe::test {
namespace {

ImageF::Pointer readSeries(const fs::path& folder) { return readSeriesFolder(folder); }

std::vector<std::string> fileNames(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class PacsCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    MEDPIPE_REQUIRE_ORTHANC();
    orthanc_ = std::make_unique<OrthancServer>(sandbox_, dir_ / "orthanc");
    ASSERT_TRUE(orthanc_->started()) << orthanc_->failure();
    // 8 slices of 64x64 as `medpipe phantom` writes them: PatientID MEDPIPE-PHANTOM, StudyDate 20260101.
    ASSERT_EQ(runMedpipe("phantom -o " + (dir_ / "phantom").string() + " --size 64x64x8").exitCode, 0);
  }
  NetworkSandbox sandbox_;
  TempDir dir_{"pacs-commands"};
  std::unique_ptr<OrthancServer> orthanc_;
};

TEST_F(PacsCommands, EchoSucceedsAndAWrongCalledAeTitleIsRefused) {
  const auto ok = sandbox_.medpipe("pacs echo " + orthanc_->peer());
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_EQ(ok.out, "C-ECHO " + orthanc_->peer() + ": success\n");
  const std::string wrong = "WRONG@127.0.0.1:" + std::to_string(orthanc_->dicomPort);
  const auto refused = sandbox_.medpipe("pacs echo " + wrong);
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_EQ(refused.err, "medpipe pacs echo: error: " + wrong + ": C-ECHO: association refused or failed: DUL Association Rejected\n");
  const std::string closed = "ORTHANC@127.0.0.1:" + std::to_string(sandbox_.freePort());
  const auto nobody = sandbox_.medpipe("pacs echo " + closed + " --timeout 2");
  EXPECT_EQ(nobody.exitCode, 1);
  EXPECT_NE(nobody.err.find(closed + ": C-ECHO: association refused or failed: TCP Initialization Error"), std::string::npos) << nobody.err;
}

TEST_F(PacsCommands, SendFindAndGetReturnTheSameVoxels) {
  const auto sent = sandbox_.medpipe("pacs send " + orthanc_->peer() + " " + (dir_ / "phantom").string());
  ASSERT_EQ(sent.exitCode, 0) << sent.err;
  EXPECT_EQ(sent.out, "sent 8 of 8 instance(s) to " + orthanc_->peer() + "\n");

  // Study level as a table: the header row and one study; PatientName only with --show-phi.
  const auto table = sandbox_.medpipe("pacs find " + orthanc_->peer() + " --study-date 20251201-20260131");
  ASSERT_EQ(table.exitCode, 0) << table.err;
  EXPECT_EQ(table.out.rfind("PatientID        StudyDate  AccessionNumber  ModalitiesInStudy  StudyDescription  "
                            "NumberOfStudyRelatedInstances  StudyInstanceUID\n", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("MEDPIPE-PHANTOM  20260101                    CT                 medpipe phantom   8"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("PHANTOM^MEDPIPE"), std::string::npos);
  EXPECT_NE(sandbox_.medpipe("pacs find " + orthanc_->peer() + " --show-phi").out.find("PHANTOM^MEDPIPE"), std::string::npos);
  // Keys that match nothing: the header alone.
  for (const char* keys : {"--study-date 20270101-", "--patient-id NOBODY", "--modality MR", "--accession 42"}) {
    const auto none = sandbox_.medpipe("pacs find " + orthanc_->peer() + " " + keys);
    EXPECT_EQ(none.exitCode, 0) << none.err;
    EXPECT_EQ(std::count(none.out.begin(), none.out.end(), '\n'), 1) << keys << ": " << none.out;
  }

  // Series level as JSON, by modality and by a study key (study first, then its series).
  const auto json = sandbox_.medpipe("pacs find " + orthanc_->peer() + " --level series --modality CT --patient-id MEDPIPE-PHANTOM --json");
  ASSERT_EQ(json.exitCode, 0) << json.err;
  EXPECT_NE(json.out.find("\"SeriesDescription\": \"Phantom CT\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"NumberOfSeriesRelatedInstances\": \"8\""), std::string::npos) << json.out;
  const size_t at = json.out.find("\"SeriesInstanceUID\": \"");
  ASSERT_NE(at, std::string::npos);
  const std::string series = json.out.substr(at + 22, json.out.find('"', at + 22) - at - 22);
  const auto patients = sandbox_.medpipe("pacs find " + orthanc_->peer() + " --level patient --json");
  EXPECT_NE(patients.out.find("\"NumberOfPatientRelatedStudies\": \"1\""), std::string::npos) << patients.out;

  // C-GET of the series: the same instances, the same voxels.
  const auto got = sandbox_.medpipe("pacs get " + orthanc_->peer() + " --series " + series + " -o " + (dir_ / "got").string());
  ASSERT_EQ(got.exitCode, 0) << got.err;
  EXPECT_EQ(got.out, "received 8 instance(s) into " + (dir_ / "got").string() + "\n");
  ASSERT_EQ(fileNames(dir_ / "got"), std::vector<std::string>{series});
  EXPECT_EQ(fileNames(dir_ / "got" / series).size(), 8u);
  const auto original = readSeries(dir_ / "phantom" / "dicom");
  const auto retrieved = readSeries(dir_ / "got" / series);
  ASSERT_TRUE(original && retrieved);
  const auto cmp = compareInPhysicalSpace(*original, *retrieved);
  EXPECT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
  EXPECT_EQ(cmp.voxelsCompared, 64u * 64u * 8u);

  // By study, into another folder; an unknown series is an error naming it.
  const size_t studyAt = json.out.find("\"StudyInstanceUID\": \"");
  const std::string study = json.out.substr(studyAt + 21, json.out.find('"', studyAt + 21) - studyAt - 21);
  const auto byStudy = sandbox_.medpipe("pacs get " + orthanc_->peer() + " --study " + study + " -o " + (dir_ / "study").string());
  EXPECT_EQ(byStudy.exitCode, 0) << byStudy.err;
  EXPECT_EQ(fileNames(dir_ / "study" / series).size(), 8u);
  const auto unknown = sandbox_.medpipe("pacs get " + orthanc_->peer() + " --series 1.2.3.4 -o " + (dir_ / "x").string());
  EXPECT_EQ(unknown.exitCode, 1);
  EXPECT_EQ(unknown.err, "medpipe pacs get: error: " + orthanc_->peer() + ": C-GET: no series 1.2.3.4 on the peer\n");
  EXPECT_EQ(sandbox_.medpipe("pacs get " + orthanc_->peer() + " -o x").err,
            "medpipe pacs get: error: --study: give --study UID or --series UID\n");
}

TEST_F(PacsCommands, SendKeepsEachFilesTransferSyntax) {
  // An RLE-compressed copy (DCMTK's dcmcrle) goes and comes back as RLE, with the same voxels.
  const fs::path rle = dir_ / "rle";
  fs::create_directories(rle);
  for (const auto& e : fs::directory_iterator(dir_ / "phantom" / "dicom")) {
    const auto r = runCommand("dcmcrle " + e.path().string() + " " + (rle / e.path().filename()).string());
    ASSERT_EQ(r.exitCode, 0) << "dcmcrle (Debian dcmtk) " << r.err;
  }
  ASSERT_EQ(sandbox_.medpipe("pacs send " + orthanc_->peer() + " " + rle.string()).exitCode, 0);
  const auto json = sandbox_.medpipe("pacs find " + orthanc_->peer() + " --level series --json");
  const size_t at = json.out.find("\"SeriesInstanceUID\": \"");
  ASSERT_NE(at, std::string::npos) << json.out;
  const std::string series = json.out.substr(at + 22, json.out.find('"', at + 22) - at - 22);
  ASSERT_EQ(sandbox_.medpipe("pacs get " + orthanc_->peer() + " --series " + series + " -o " + (dir_ / "got").string()).exitCode, 0);
  for (const auto& e : fs::directory_iterator(dir_ / "got" / series)) {
    const auto dump = runCommand("dcmdump -M +P 0002,0010 " + e.path().string());
    EXPECT_NE(dump.out.find("=RLELossless"), std::string::npos) << dump.out;
  }
  const auto cmp = compareInPhysicalSpace(*readSeries(dir_ / "phantom" / "dicom"), *readSeries(dir_ / "got" / series));
  EXPECT_TRUE(cmp.sameGrid);
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
}

TEST_F(PacsCommands, PeersConfigNamesThePeers) {
  const fs::path peers = dir_ / "peers.yaml";
  std::ofstream(peers) << "aet: MEDPIPE-TEST\npeers:\n  orthanc: {aet: ORTHANC, host: 127.0.0.1, port: "
                       << orthanc_->dicomPort << "}\n  archive: {aet: ARCHIVE, host: 127.0.0.1, port: 1}\n";
  const auto byName = sandbox_.medpipe("pacs echo orthanc --peers " + peers.string());
  EXPECT_EQ(byName.exitCode, 0) << byName.err;
  EXPECT_EQ(byName.out, "C-ECHO " + orthanc_->peer() + ": success\n");
  EXPECT_EQ(sandbox_.run("env MEDPIPE_PEERS=" + peers.string() + " " + MEDPIPE_EXE + " pacs echo orthanc").exitCode, 0);
  const auto unknown = sandbox_.medpipe("pacs echo pacs1 --peers " + peers.string());
  EXPECT_EQ(unknown.exitCode, 1);
  EXPECT_EQ(unknown.err, "medpipe pacs echo: error: " + peers.string() +
                             ": peer: no peer 'pacs1' (known: archive, orthanc); name a peer of the config or give AET@HOST:PORT\n");
  std::ofstream(dir_ / "bad.yaml") << "peers:\n  a: {aet: A, host: h, port: 99999}\n";
  EXPECT_EQ(sandbox_.medpipe("pacs echo a --peers " + (dir_ / "bad.yaml").string()).err,
            "medpipe pacs echo: error: " + (dir_ / "bad.yaml").string() + ": peers.a.port: port '99999' is not a number from 1 to 65535\n");
  std::ofstream(dir_ / "typo.yaml") << "peers:\n  a: {aet: A, host: h, prot: 1}\n";
  EXPECT_EQ(sandbox_.medpipe("pacs echo a --peers " + (dir_ / "typo.yaml").string()).err,
            "medpipe pacs echo: error: " + (dir_ / "typo.yaml").string() + ": peers.a.prot: unknown key (allowed: aet, host, port, tls, dicomweb)\n");
  EXPECT_EQ(sandbox_.medpipe("pacs echo ORTHANC@127.0.0.1 ").err,
            "medpipe pacs echo: error: peer: 'ORTHANC@127.0.0.1' is neither a peer of the peers config nor AET@HOST:PORT\n");
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + orthanc_->peer() + " --aet WAY-TOO-LONG-AE-TITLE").err,
            "medpipe pacs echo: error: --aet: AE title 'WAY-TOO-LONG-AE-TITLE' must have 1 to 16 characters\n");
}

// Mutual TLS against Orthanc's DICOM TLS (certificates made with openssl for the test).
TEST_F(PacsCommands, MutualTlsWithOrthanc) {
  const fs::path tls = dir_ / "tls";
  ASSERT_EQ(makeTestCertificates(tls, {"orthanc", "medpipe"}), "");
  const std::string t = tls.string();
  OrthancServer secure(sandbox_, dir_ / "orthanc-tls", "",
                       "\"DicomTlsEnabled\": true, \"DicomTlsCertificate\": \"" + t + "/orthanc.pem\", \"DicomTlsPrivateKey\": \"" + t +
                           "/orthanc.key\", \"DicomTlsTrustedCertificates\": \"" + t + "/ca.pem\", \"DicomTlsRemoteCertificateRequired\": true,");
  ASSERT_TRUE(secure.started()) << secure.failure();
  const std::string port = std::to_string(secure.dicomPort);
  std::ofstream(tls / "peers.yaml") << "peers:\n"
      "  secure: {aet: ORTHANC, host: 127.0.0.1, port: " << port << ", tls: {certificate: medpipe.pem, key: medpipe.key, ca: ca.pem}}\n"
      "  no-certificate: {aet: ORTHANC, host: 127.0.0.1, port: " << port << ", tls: {ca: ca.pem}}\n"
      "  rogue: {aet: ORTHANC, host: 127.0.0.1, port: " << port << ", tls: {certificate: rogue.pem, key: rogue.key, ca: ca.pem}}\n";
  const std::string peers = " --peers " + (tls / "peers.yaml").string() + " --timeout 5";
  const auto ok = sandbox_.medpipe("pacs echo secure" + peers);
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  for (const char* refused : {"no-certificate", "rogue"})
    EXPECT_EQ(sandbox_.medpipe(std::string("pacs echo ") + refused + peers).exitCode, 1) << refused;
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + secure.peer() + " --timeout 5").exitCode, 1);  // without TLS
  const auto sent = sandbox_.medpipe("pacs send secure" + peers + " " + (dir_ / "phantom" / "dicom").string());
  EXPECT_EQ(sent.exitCode, 0) << sent.err;
  EXPECT_EQ(sent.out, "sent 8 of 8 instance(s) to " + secure.peer() + "\n");
  // A wrong key for the certificate is an error naming the file.
  std::ofstream(tls / "bad.yaml") << "peers:\n  x: {aet: ORTHANC, host: 127.0.0.1, port: " << port
                                  << ", tls: {certificate: medpipe.pem, key: orthanc.key, ca: ca.pem}}\n";
  EXPECT_EQ(sandbox_.medpipe("pacs echo x --peers " + (tls / "bad.yaml").string()).err,
            "medpipe pacs echo: error: " + t + "/medpipe.pem: " + secure.peer() + " tls: the private key does not match the certificate\n");
}

TEST_F(PacsCommands, DicomWebStowQidoAndWadoAgainstOrthancsPlugin) {
  const std::string web = orthanc_->dicomweb();
  const auto stored = sandbox_.medpipe("pacs send " + web + " " + (dir_ / "phantom" / "dicom").string());
  ASSERT_EQ(stored.exitCode, 0) << stored.err;
  EXPECT_EQ(stored.out, "sent 8 of 8 instance(s) to " + web + "\n");
  // QIDO-RS answers as C-FIND does (same columns); study keys and date ranges apply.
  const auto byWeb = sandbox_.medpipe("pacs find " + web + " --study-date 20260101- --modality CT");
  const auto byDimse = sandbox_.medpipe("pacs find " + orthanc_->peer() + " --study-date 20260101- --modality CT");
  ASSERT_EQ(byWeb.exitCode, 0) << byWeb.err;
  EXPECT_EQ(byWeb.out, byDimse.out);
  EXPECT_EQ(std::count(byWeb.out.begin(), byWeb.out.end(), '\n'), 2) << byWeb.out;
  const auto none = sandbox_.medpipe("pacs find " + web + " --study-date 20270101-");
  EXPECT_EQ(std::count(none.out.begin(), none.out.end(), '\n'), 1) << none.out;
  const auto series = sandbox_.medpipe("pacs find " + web + " --level series --json");
  const std::string uid = jsonValue(series.out, "SeriesInstanceUID");
  ASSERT_FALSE(uid.empty()) << series.out;
  // WADO-RS of the series (found by QIDO first): the same voxels.
  const auto got = sandbox_.medpipe("pacs get " + web + " --series " + uid + " -o " + (dir_ / "web").string());
  ASSERT_EQ(got.exitCode, 0) << got.err;
  EXPECT_EQ(got.out, "received 8 instance(s) into " + (dir_ / "web").string() + "\n");
  const auto cmp = compareInPhysicalSpace(*readSeries(dir_ / "phantom" / "dicom"), *readSeries(dir_ / "web" / uid));
  EXPECT_TRUE(cmp.sameGrid);
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
  // The DICOMweb URL from a peers config, with --web; errors name the URL and the HTTP status.
  std::ofstream(dir_ / "peers.yaml") << "peers:\n  orthanc: {aet: ORTHANC, host: 127.0.0.1, port: " << orthanc_->dicomPort
                                     << ", dicomweb: " << web << "}\n  plain: {aet: X, host: 127.0.0.1, port: 1}\n";
  const std::string peers = " --peers " + (dir_ / "peers.yaml").string();
  EXPECT_EQ(sandbox_.medpipe("pacs find orthanc --web" + peers).out, byDimse.out);  // the one study
  EXPECT_EQ(sandbox_.medpipe("pacs find plain --web" + peers).err,
            "medpipe pacs find: error: plain: dicomweb: no DICOMweb URL for this peer (dicomweb: in the peers config, or give the URL as PEER)\n");
  const auto missing = sandbox_.medpipe("pacs get " + web + " --study 1.2.3 -o " + (dir_ / "x").string());
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err.rfind("medpipe pacs get: error: " + web + "/studies/1.2.3: WADO-RS: HTTP 404", 0), 0u) << missing.err;
  EXPECT_EQ(sandbox_.medpipe("pacs echo " + web).err,
            "medpipe pacs echo: error: " + web + ": peer: C-ECHO needs a DICOM peer (a peers config name or AET@HOST:PORT), not a URL\n");
  const auto closed = sandbox_.medpipe("pacs find http://127.0.0.1:" + std::to_string(sandbox_.freePort()) + "/dicom-web");
  EXPECT_EQ(closed.exitCode, 1);
  EXPECT_NE(closed.err.find("QIDO-RS: Couldn't connect to server"), std::string::npos) << closed.err;
}

}  // namespace
}  // namespace medpipe::test
