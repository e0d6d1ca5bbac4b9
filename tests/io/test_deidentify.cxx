// De-identification (PS3.15 Basic Application Level Confidentiality Profile) on a series that has
// PHI in every attribute of the profile's table: nothing of it survives, UIDs map consistently
// within and across runs, pixels and geometry are untouched.
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "dicom_output_support.h"
#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/derived_series.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

// What the profile does to a single-tag row when the written IOD sets no requirement: the
// standard's choices resolved to their least revealing option (E.3.1).
char expectedAction(const std::string& code) {
  if (code == "D" || code == "Z" || code == "X" || code == "U") return code[0];
  if (code == "Z/D") return 'Z';
  if (code == "X/Z/U*") return 'K';  // kept, UIDs inside replaced
  return 'X';                        // X/Z, X/D, X/Z/D
}

struct Element {
  bool present = false;
  std::string value;
  size_t items = 0;
};

Element element(const gdcm::DataSet& ds, uint16_t group, uint16_t elem) {
  Element e;
  const gdcm::Tag tag(group, elem);
  if (!ds.FindDataElement(tag)) return e;
  e.present = true;
  const gdcm::DataElement& de = ds.GetDataElement(tag);
  if (const auto sequence = de.GetValueAsSQ(); sequence && de.GetVR() == gdcm::VR::SQ) {
    e.items = sequence->GetNumberOfItems();
  } else if (const gdcm::ByteValue* bv = de.GetByteValue()) {
    e.value.assign(bv->GetPointer(), bv->GetLength());
    while (!e.value.empty() && (e.value.back() == ' ' || e.value.back() == '\0')) e.value.pop_back();
  }
  return e;
}

gdcm::DataSet readDataSet(const fs::path& file) {
  gdcm::Reader reader;
  reader.SetFileName(file.string().c_str());
  EXPECT_TRUE(reader.Read()) << file;
  return reader.GetFile().GetDataSet();
}

std::string pixelBytes(const fs::path& file) {
  const gdcm::DataSet ds = readDataSet(file);
  const gdcm::ByteValue* bv = ds.GetDataElement(gdcm::Tag(0x7fe0, 0x0010)).GetByteValue();
  return bv ? std::string(bv->GetPointer(), bv->GetLength()) : std::string();
}

void expectNoMarkers(const fs::path& file, const std::vector<std::string>& markers) {
  const auto found = test::markersFoundIn(test::readBytes(file), markers);
  EXPECT_TRUE(found.empty()) << file << " still holds: " << ::testing::PrintToString(found);
}

}  // namespace

TEST(Deidentify, EveryProfileAttributeIsRemovedEmptiedOrReplaced) {
  test::TempDir dir("deid-file");
  test::PhiSeriesOptions phiOptions;
  phiOptions.size = {16, 12, 1};
  phiOptions.withRepeatingGroupsAndIcon = true;
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi", phiOptions);
  ASSERT_GT(phi.markers.size(), 400u);
  // The markers are really there before: the scan would see them.
  EXPECT_EQ(test::markersFoundIn(test::readBytes(phi.files[0]), phi.markers).size(), phi.markers.size());

  UidMap uids;
  const Deidentifier deidentifier(uids);
  const fs::path out = dir / "out.dcm";
  deidentifier.deidentifyFile(phi.files[0], out);
  expectNoMarkers(out, phi.markers);

  const gdcm::DataSet ds = readDataSet(out);
  size_t checked = 0;
  for (const auto& [tag, original] : phi.written) {
    const ConfidentialityProfileRow* row = nullptr;
    for (const auto& r : basicConfidentialityProfile())
      if (r.groupMask == 0xFFFF && r.group == tag.first && r.element == tag.second) row = &r;
    ASSERT_NE(row, nullptr);
    const Element e = element(ds, tag.first, tag.second);
    const std::string what = std::string(row->name) + " (" + row->action + ")";
    switch (expectedAction(row->action)) {
      case 'X':
        EXPECT_FALSE(e.present) << what;
        break;
      case 'Z':
        EXPECT_TRUE(e.present) << what;
        EXPECT_TRUE(e.value.empty() && e.items == 0) << what << ": '" << e.value << "'";
        break;
      case 'D':
        if (tag == std::make_pair<uint16_t, uint16_t>(0x0012, 0x0081)) {  // its condition is removed (X)
          EXPECT_FALSE(e.present) << what;
        } else if (original.empty()) {  // a sequence: emptied, no dummy items are invented
          EXPECT_TRUE(e.present && e.items == 0) << what;
        } else {
          EXPECT_TRUE(e.present) << what;
          EXPECT_NE(e.value, original) << what;
        }
        break;
      case 'U':
        EXPECT_TRUE(e.present) << what;
        EXPECT_EQ(e.value, uids.find(original).value_or("(not mapped)")) << what;
        break;
      case 'K':
        EXPECT_EQ(e.items, 1u) << what;
        break;
    }
    ++checked;
  }
  EXPECT_GT(checked, 550u);
  // The profile's other actions: private tags, curves, overlays gone; the flags set.
  for (const auto& [group, elem] : std::vector<std::pair<uint16_t, uint16_t>>{
           {0x0009, 0x0010}, {0x0009, 0x1001}, {0x5000, 0x3000}, {0x5002, 0x2500}, {0x6000, 0x3000}, {0x6000, 0x4000}})
    EXPECT_FALSE(element(ds, group, elem).present) << std::hex << group << "," << elem;
  EXPECT_EQ(element(ds, 0x0012, 0x0062).value, "YES");
  EXPECT_EQ(element(ds, 0x0012, 0x0063).value, kDeidentificationMethod);
  EXPECT_EQ(test::dicomTextInItem(out, 0x00120064, 0x0008, 0x0100), "113100");
  EXPECT_EQ(element(ds, 0x0008, 0x0005).value, "ISO_IR 192");
  // References inside kept sequences point to the mapped instance.
  const std::string referenced = test::dicomTextInItem(phi.files[0], 0x00082112, 0x0008, 0x1155);
  ASSERT_FALSE(referenced.empty());
  EXPECT_EQ(test::dicomTextInItem(out, 0x00082112, 0x0008, 0x1155), uids.find(referenced).value_or("?"));
  // The file meta names the new instance, and the pixels are the same bytes.
  EXPECT_EQ(test::dicomText(out, 0x0008, 0x0018), uids.find(phi.sopUids[0]).value_or("?"));
  EXPECT_EQ(pixelBytes(out), pixelBytes(phi.files[0]));
  const std::string bytes = test::readBytes(out);
  EXPECT_NE(bytes.find(uids.find(phi.sopUids[0]).value_or("?")), std::string::npos);
  EXPECT_EQ(test::dcmdumpProblems(out), std::vector<std::string>());
}

TEST(Deidentify, UidsMapConsistentlyWithinAndAcrossRuns) {
  test::TempDir dir("deid-uids");
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi");
  const fs::path mapFile = dir / "uid-map.csv";

  std::vector<std::string> firstRun;
  {
    UidMap uids;
    const Deidentifier deidentifier(uids);
    for (size_t i = 0; i < phi.files.size(); ++i)
      deidentifier.deidentifyFile(phi.files[i], dir / "a" / phi.files[i].filename());
    uids.save(mapFile);
    const std::string study = uids.find(phi.studyUid).value_or("");
    ASSERT_FALSE(study.empty());
    std::set<std::string> sops;
    for (size_t i = 0; i < phi.files.size(); ++i) {
      const fs::path out = dir / "a" / phi.files[i].filename();
      expectNoMarkers(out, phi.markers);
      EXPECT_EQ(test::dicomText(out, 0x0020, 0x000d), study);  // one study for every slice
      EXPECT_EQ(test::dicomText(out, 0x0020, 0x000e), uids.find(phi.seriesUid).value_or("?"));
      EXPECT_EQ(test::dicomText(out, 0x0020, 0x0052), uids.find(phi.frameOfReferenceUid).value_or("?"));
      sops.insert(test::dicomText(out, 0x0008, 0x0018));
      firstRun.push_back(test::dicomText(out, 0x0008, 0x0018));
    }
    EXPECT_EQ(sops.size(), phi.files.size());
    EXPECT_EQ(sops.count(""), 0u);
  }
  // The same originals, a new process-like run with the saved map: the same replacements.
  UidMap reloaded;
  reloaded.load(mapFile);
  const Deidentifier again(reloaded);
  for (size_t i = 0; i < phi.files.size(); ++i) {
    const fs::path out = dir / "b" / phi.files[i].filename();
    again.deidentifyFile(phi.files[i], out);
    EXPECT_EQ(test::dicomText(out, 0x0008, 0x0018), firstRun[i]);
    EXPECT_EQ(test::dicomText(out, 0x0020, 0x000d), reloaded.find(phi.studyUid).value_or("?"));
  }
  // Without the map, a run invents other UIDs.
  UidMap fresh;
  Deidentifier(fresh).deidentifyFile(phi.files[0], dir / "c.dcm");
  EXPECT_NE(test::dicomText(dir / "c.dcm", 0x0008, 0x0018), firstRun[0]);
}

TEST(Deidentify, IodRequirementsChooseBetweenTheProfilesOptions) {
  test::TempDir dir("deid-options");
  test::PhiSeriesOptions phiOptions;
  phiOptions.size = {16, 12, 1};
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi", phiOptions);
  UidMap uids;
  DeidentificationOptions options;
  options.requiredWithValue = {{0x0008, 0x0023}, {0x0018, 0x1000}};  // Content Date Z/D, Device Serial Number X/Z/D
  options.requiredPresent = {{0x0008, 0x0080}, {0x0008, 0x0022}};    // Institution Name X/Z/D, Acquisition Date X/Z
  Deidentifier(uids, options).deidentifyFile(phi.files[0], dir / "out.dcm");
  const gdcm::DataSet ds = readDataSet(dir / "out.dcm");
  EXPECT_EQ(element(ds, 0x0008, 0x0023).value, "19000101");
  EXPECT_EQ(element(ds, 0x0018, 0x1000).value, "ANONYMIZED");
  EXPECT_TRUE(element(ds, 0x0008, 0x0080).present);
  EXPECT_EQ(element(ds, 0x0008, 0x0080).value, "");
  EXPECT_TRUE(element(ds, 0x0008, 0x0022).present);
  EXPECT_EQ(element(ds, 0x0008, 0x0022).value, "");
  expectNoMarkers(dir / "out.dcm", phi.markers);
}

TEST(Deidentify, DerivedSeriesOfAPhiSeriesHasNoPhiAndTheSameVoxels) {
  test::TempDir dir("deid-derived");
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi");
  const DicomIndex index = indexDicomFolder(dir / "phi");
  ASSERT_EQ(index.volumes.size(), 1u);
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
  UidMap uids;
  const Deidentifier deidentifier(uids);
  DerivedSeriesOptions options;
  options.deidentifier = &deidentifier;
  const DerivedSeries written = writeDerivedSeries(*image, index.volumes[0], options, dir / "derived");
  for (const fs::path& file : written.files) {
    expectNoMarkers(file, phi.markers);
    EXPECT_EQ(test::dicomText(file, 0x0020, 0x000d), uids.find(phi.studyUid).value_or("?"));
    EXPECT_EQ(test::dicomText(file, 0x0020, 0x0052), uids.find(phi.frameOfReferenceUid).value_or("?"));
    EXPECT_EQ(test::dicomTextInItem(file, 0x00081115, 0x0020, 0x000e), uids.find(phi.seriesUid).value_or("?"));
    EXPECT_EQ(test::dicomText(file, 0x0012, 0x0062), "YES");
  }
  EXPECT_EQ(written.seriesInstanceUid, test::dicomText(written.files[0], 0x0020, 0x000e));
  const DicomIndex back = indexDicomFolder(dir / "derived");
  ASSERT_EQ(back.volumes.size(), 1u);
  const auto reread = readVolume(back.volumes[0], IrregularGeometry::Fail);
  const auto cmp = test::compareInPhysicalSpace(*phi.image, *reread, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_LE(cmp.maxCornerDistance, 1e-3);
  EXPECT_EQ(cmp.maxValueDifference, 0.0);

  const test::IodCheck check = test::runDciodvfy(written.files[0]);
  EXPECT_TRUE(check.errors.empty()) << ::testing::PrintToString(check.errors);
  EXPECT_TRUE(test::unacceptedWarnings(check).empty()) << ::testing::PrintToString(test::unacceptedWarnings(check));
}

TEST(Deidentify, DocsListEveryRowOfTheProfileTable) {
  const std::string docs = test::readBytes(fs::path(MEDPIPE_SOURCE_DIR) / "docs" / "deidentification.md");
  ASSERT_FALSE(docs.empty());
  size_t rows = 0;
  for (const ConfidentialityProfileRow& row : basicConfidentialityProfile()) {
    char tag[16];
    if (row.anyElement)
      std::snprintf(tag, sizeof tag, "(%02Xxx,xxxx)", row.group >> 8);
    else if (row.groupMask != 0xFFFF)
      std::snprintf(tag, sizeof tag, "(%02Xxx,%04X)", row.group >> 8, row.element);
    else
      std::snprintf(tag, sizeof tag, "(%04X,%04X)", row.group, row.element);
    const std::string line = std::string("| `") + tag + "` | " + row.name + " | `" + row.action + "` |";
    EXPECT_NE(docs.find(line), std::string::npos) << "docs/deidentification.md lacks: " << line;
    ++rows;
  }
  EXPECT_EQ(rows, 620u);
}

TEST(UidMap, RejectsMalformedFilesNamingTheLine) {
  test::TempDir dir("uid-map");
  const fs::path file = dir / "map.csv";
  std::ofstream(file) << "original_uid,replacement_uid\n1.2.3,1.2.4\n1.2.5;1.2.6\n";
  UidMap uids;
  try {
    uids.load(file);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().path, file.string());
    EXPECT_EQ(e.info().field, "line 3");
  }
  std::ofstream(file) << "1.2.3,1.2.4\n1.2.3,1.2.9\n";
  EXPECT_THROW(uids.load(file), Error);
  std::ofstream(file) << "1.2.3,1.2.4\n";
  uids.load(file);
  EXPECT_EQ(uids.replace("1.2.3"), "1.2.4");
  EXPECT_EQ(uids.size(), 1u);
  EXPECT_EQ(uids.replace(""), "");
}

}  // namespace medpipe

namespace medpipe {

// Processes sharing one map file (parallel runs, workflow jobs) lose no entry and agree on every
// replacement: four processes map 150 UIDs of their own and 50 common ones at the same time.
TEST(UidMap, ProcessesSharingAFileLoseNoEntryAndAgreeOnReplacements) {
  test::TempDir dir("uid-map-shared");
  const fs::path file = dir / "map.csv";
  constexpr int kProcesses = 4, kOwn = 150, kCommon = 50;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 0;
      try {
        UidMap uids;
        uids.share(file);
        std::ofstream out(dir / ("common-" + std::to_string(p) + ".txt"));
        for (int i = 0; i < kOwn + kCommon; ++i) {
          // Interleaved: own UIDs and common ones, so the processes race on the common ones.
          const bool common = i % 4 == 0 && i / 4 < kCommon;
          const std::string original = common ? "1.2.9." + std::to_string(i / 4) : "1.2." + std::to_string(p + 10) + "." + std::to_string(i);
          const std::string replacement = uids.replace(original);
          if (common) out << original << "," << replacement << "\n";
        }
        uids.saveShared();
      } catch (const std::exception& e) {
        std::ofstream(dir / ("error-" + std::to_string(p) + ".txt")) << e.what();
        status = 1;
      }
      std::_Exit(status);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = -1;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  for (int p = 0; p < kProcesses; ++p)
    EXPECT_FALSE(fs::exists(dir / ("error-" + std::to_string(p) + ".txt"))) << test::readBytes(dir / ("error-" + std::to_string(p) + ".txt"));
  UidMap merged;
  merged.load(file);  // well formed: no line twice, no conflict
  std::map<std::string, std::string> common;
  size_t commonSeen = 0;
  for (int p = 0; p < kProcesses; ++p) {
    std::ifstream in(dir / ("common-" + std::to_string(p) + ".txt"));
    std::string line;
    while (std::getline(in, line)) {
      const auto comma = line.find(',');
      const std::string original = line.substr(0, comma), replacement = line.substr(comma + 1);
      ++commonSeen;
      EXPECT_EQ(merged.find(original).value_or(""), replacement) << original;
      const auto [it, added] = common.emplace(original, replacement);
      EXPECT_EQ(it->second, replacement) << "two processes mapped " << original << " differently";
    }
  }
  EXPECT_EQ(common.size(), static_cast<size_t>(kCommon));
  EXPECT_EQ(commonSeen, static_cast<size_t>(kCommon * kProcesses));
  // Every process's own UIDs are there (kOwn + kCommon - kCommon own per process), plus the common ones.
  EXPECT_EQ(merged.size(), static_cast<size_t>(kProcesses * kOwn + kCommon));
}

}  // namespace medpipe
