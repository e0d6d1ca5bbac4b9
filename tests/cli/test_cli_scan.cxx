// medpipe scan over an export that looks like a PACS dump: nested folders, files without
// extensions, junk, a non-image DICOM object, two series; PHI hidden unless asked.
#include <gdcmWriter.h>
#include <gtest/gtest.h>

#include <fstream>

#include "medpipe/io/dicom_series_writer.h"
#include "test_support.h"

namespace medpipe {
namespace {

// A Basic Text SR object: DICOM, but no pixel data.
void writeStructuredReport(const std::filesystem::path& path) {
  gdcm::Writer writer;
  gdcm::File& file = writer.GetFile();
  gdcm::DataSet& ds = file.GetDataSet();
  auto put = [&](uint16_t g, uint16_t e, const gdcm::VR& vr, std::string v) {
    if (v.size() % 2) v.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
    gdcm::DataElement de(gdcm::Tag(g, e));
    de.SetVR(vr);
    de.SetByteValue(v.data(), static_cast<uint32_t>(v.size()));
    ds.Insert(de);
  };
  put(0x0008, 0x0016, gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.88.11");
  put(0x0008, 0x0018, gdcm::VR::UI, generateDicomUid());
  put(0x0008, 0x0060, gdcm::VR::CS, "SR");
  put(0x0020, 0x000d, gdcm::VR::UI, generateDicomUid());
  put(0x0020, 0x000e, gdcm::VR::UI, generateDicomUid());
  file.GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  writer.SetFileName(path.string().c_str());
  ASSERT_TRUE(writer.Write());
}

class ScanExport : public ::testing::Test {
 protected:
  void SetUp() override {
    PhantomSpec spec;
    spec.size = {32, 32, 12};
    const auto nested = dir_ / "PATIENT1" / "STUDY1" / "SER1";
    test::writePhantomSeries(spec, nested);
    for (const auto& e : std::filesystem::directory_iterator(nested))  // no extensions, as PACS exports
      std::filesystem::rename(e.path(), nested / e.path().stem());
    const Phantom second = makeBodyPhantom(spec);
    DicomSeriesInfo info;
    info.patientName = "MÜLLER^JÖRG";
    info.patientId = "SECRET-ID-42";
    info.seriesNumber = 7;
    info.seriesDescription = "Bone window";
    info.rescaleIntercept = -1024;
    writeDicomSeries(*second.image, dir_ / "PATIENT2" / "S", info);
    writeStructuredReport(dir_ / "PATIENT2" / "REPORT");
    std::ofstream(dir_ / "README.txt") << "exported by a PACS";
    std::ofstream(dir_ / "PATIENT1" / ".DS_Store") << std::string(200, '\x01');
  }
  test::TempDir dir_{"scan-export"};
};

}  // namespace

TEST_F(ScanExport, TableListsBothSeriesTheReportAndTheJunkWithoutPhi) {
  const auto r = test::runMedpipe("scan '" + dir_.path().string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("CT  1     Phantom CT                  12      32x32x12      0.8x0.8x2.5         Explicit VR Little Endian   OK"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CT  7     Bone window                 12      32x32x12"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 volume(s), 1 non-image DICOM object(s), 0 unreadable file(s), 2 non-DICOM file(s)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("non-image: " + (dir_ / "PATIENT2" / "REPORT").string() + " (SR"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("SECRET-ID-42"), std::string::npos);
  EXPECT_EQ(r.out.find("MÜLLER"), std::string::npos);
  EXPECT_EQ(r.out.find("TEST^PHANTOM"), std::string::npos);
  EXPECT_NE(r.out.find("\nPatient 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nPatient 2\n"), std::string::npos) << r.out;
}

TEST_F(ScanExport, ShowPhiPrintsPatientNamesAndIds) {
  const auto r = test::runMedpipe("scan --show-phi '" + dir_.path().string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Patient 1: MÜLLER^JÖRG [SECRET-ID-42]\n"), std::string::npos) << r.out;
}

TEST_F(ScanExport, JsonHasOneEntryPerVolume) {
  const auto r = test::runMedpipe("scan --json '" + dir_.path().string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("\"description\": \"Bone window\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"health\": \"OK\""), std::string::npos);
  EXPECT_NE(r.out.find("\"nonDicomFiles\": 2"), std::string::npos);
  EXPECT_EQ(r.out.find("SECRET-ID-42"), std::string::npos);
}

TEST_F(ScanExport, ConvertSelectsOneSeriesByNumberOrDescription) {
  auto r = test::runMedpipe("convert '" + dir_.path().string() + "' -o '" + (dir_ / "out").string() + "' --series 7");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir_ / "out" / "7_Bone_window.nii.gz").string() + "  [OK]\n");
  r = test::runMedpipe("convert '" + dir_.path().string() + "' -o '" + (dir_ / "out2").string() +
                       "' --series 'description=phantom*'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir_ / "out2" / "1_Phantom_CT.nii.gz").string() + "  [OK]\n");
  r = test::runMedpipe("convert '" + dir_.path().string() + "' -o '" + (dir_ / "out3").string() + "' --series modality=MR");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe convert: error: " + dir_.path().string() + ": no series matches the selection\n");
}

}  // namespace medpipe
