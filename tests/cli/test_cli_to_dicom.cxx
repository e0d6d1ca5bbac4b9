// medpipe convert --to-dicom [--deidentify --uid-map]: the round trip through the executable, PHI
// in files, names, sidecars and logs, and the option checks.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "dicom_output_support.h"
#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::vector<fs::path> filesBelow(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Every PHI marker found in the files below `folder`, their names, and `logs`.
std::vector<std::string> phiLeaks(const fs::path& folder, const std::string& logs,
                                  const std::vector<std::string>& markers) {
  std::vector<std::string> leaks;
  for (const fs::path& file : filesBelow(folder)) {
    for (const auto& marker : test::markersFoundIn(test::readBytes(file), markers))
      leaks.push_back(file.string() + ": " + marker);
    for (const auto& marker : test::markersFoundIn(file.string(), markers))
      leaks.push_back("name " + file.string() + ": " + marker);
  }
  for (const auto& marker : test::markersFoundIn(logs, markers)) leaks.push_back("log: " + marker);
  return leaks;
}

}  // namespace

TEST(CliToDicom, RoundTripGivesTheSourceVoxelsToMedpipeAndDcm2niix) {
  test::TempDir dir("cli-to-dicom");
  auto r = test::runMedpipe("phantom -o " + quoted(dir / "study") + " --size 64x48x16 --spacing 0.9x0.8x2.5");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = test::runMedpipe("convert " + quoted(dir / "study" / "dicom") + " -o " + quoted(dir / "dicom-out") +
                       " --to-dicom");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path series = dir / "dicom-out" / "1_Phantom_CT";
  EXPECT_EQ(r.out, series.string() + "  [OK]\n");
  EXPECT_EQ(filesBelow(series).size(), 16u);
  EXPECT_TRUE(fs::exists(series / "IM0001.dcm"));

  // Source and derived series, each converted to NIfTI by medpipe, and the derived one by dcm2niix.
  r = test::runMedpipe("convert " + quoted(dir / "study" / "dicom") + " -o " + quoted(dir / "nii-source"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = test::runMedpipe("convert " + quoted(series) + " -o " + quoted(dir / "nii-derived"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto source = readImage(dir / "nii-source" / "1_Phantom_CT.nii.gz");
  const auto derived = readImage(dir / "nii-derived" / "1001_Phantom_CT_medpipe.nii.gz");
  auto cmp = test::compareInPhysicalSpace(*source, *derived, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_LE(cmp.maxCornerDistance, 1e-3);
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
  const auto oracle = test::convertWithDcm2niix(series, dir / "oracle");
  ASSERT_NE(oracle, nullptr);
  cmp = test::compareInPhysicalSpace(*source, *oracle, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_LE(cmp.maxCornerDistance, 1e-3);
  EXPECT_EQ(cmp.maxValueDifference, 0.0);

  // The phantom has no BodyPartExamined, so dciodvfy cannot tell whether Laterality (2C) is
  // needed: that one error is the source's, every other line must be clean.
  const test::IodCheck check = test::runDciodvfy(series / "IM0001.dcm");
  for (const std::string& error : check.errors) EXPECT_NE(error.find("<Laterality>"), std::string::npos) << error;
  EXPECT_TRUE(test::unacceptedWarnings(check).empty()) << ::testing::PrintToString(test::unacceptedWarnings(check));
  EXPECT_TRUE(test::dcmdumpProblems(series / "IM0016.dcm").empty());

  // An existing series is not overwritten without --force, and is replaced with it.
  r = test::runMedpipe("convert " + quoted(dir / "study" / "dicom") + " -o " + quoted(dir / "dicom-out") +
                       " --to-dicom");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("already exists (use --force to overwrite)"), std::string::npos) << r.err;
  const std::string before = test::dicomText(series / "IM0001.dcm", 0x0020, 0x000e);
  r = test::runMedpipe("convert " + quoted(dir / "study" / "dicom") + " -o " + quoted(dir / "dicom-out") +
                       " --to-dicom --force");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(test::dicomText(series / "IM0001.dcm", 0x0020, 0x000e), before);
  EXPECT_EQ(filesBelow(dir / "dicom-out").size(), 16u);
}

TEST(CliToDicom, DeidentifiedSeriesHasNoPhiInFilesNamesOrLogsAndKeepsItsUidMap) {
  test::TempDir dir("cli-deid");
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi");
  const fs::path map = dir / "private" / "uid-map.csv";
  fs::create_directories(map.parent_path());
  const std::string command =
      "convert " + quoted(dir / "phi") + " --to-dicom --deidentify --uid-map " + quoted(map) + " -o ";
  auto r = test::runMedpipe(command + quoted(dir / "a"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir / "a" / "1").string() + "  [OK]\n");  // no description in the name
  const auto leaks = phiLeaks(dir / "a", r.out + r.err, phi.markers);
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);

  const std::vector<fs::path> files = filesBelow(dir / "a");
  ASSERT_EQ(files.size(), 4u);
  std::set<std::string> studies, frames, sops;
  for (const fs::path& file : files) {
    studies.insert(test::dicomText(file, 0x0020, 0x000d));
    frames.insert(test::dicomText(file, 0x0020, 0x0052));
    sops.insert(test::dicomText(file, 0x0008, 0x0018));
    EXPECT_EQ(test::dicomText(file, 0x0012, 0x0062), "YES");
    EXPECT_EQ(test::dicomText(file, 0x0010, 0x0010), "");
  }
  EXPECT_EQ(studies.size(), 1u);
  EXPECT_EQ(frames.size(), 1u);
  EXPECT_EQ(sops.size(), 4u);
  ASSERT_TRUE(fs::exists(map));
  const std::string mapText = test::readBytes(map);
  EXPECT_NE(mapText.find(phi.studyUid + "," + *studies.begin()), std::string::npos) << mapText;

  // Second run with the saved map: the same study and frame of reference.
  r = test::runMedpipe(command + quoted(dir / "b"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(test::dicomText(dir / "b" / "1" / "IM0001.dcm", 0x0020, 0x000d), *studies.begin());
  EXPECT_EQ(test::dicomText(dir / "b" / "1" / "IM0001.dcm", 0x0020, 0x0052), *frames.begin());
  // Same voxels and geometry as the PHI series.
  const DicomIndex index = indexDicomFolder(dir / "b");
  ASSERT_EQ(index.volumes.size(), 1u);
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
  const auto cmp = test::compareInPhysicalSpace(*phi.image, *image, 1e-3);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
  // A run without the map gets another study UID.
  r = test::runMedpipe("convert " + quoted(dir / "phi") + " --to-dicom --deidentify -o " + quoted(dir / "c"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(test::dicomText(dir / "c" / "1" / "IM0001.dcm", 0x0020, 0x000d), *studies.begin());
}

TEST(CliToDicom, NiftiSidecarsCarryNoPhiByDefaultAndNoDescriptionWhenDeidentified) {
  test::TempDir dir("cli-sidecar-phi");
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi");
  // The series description is free text the profile removes; by default it names the output and
  // is in the sidecar (as dcm2niix does), so it is the one marker allowed there.
  const std::string description = test::dicomText(phi.files[0], 0x0008, 0x103e);
  ASSERT_FALSE(description.empty());
  std::vector<std::string> phiButDescription;
  for (const auto& marker : phi.markers)
    if (marker != description) phiButDescription.push_back(marker);

  auto r = test::runMedpipe("convert " + quoted(dir / "phi") + " --format nii -o " + quoted(dir / "default"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto leaks = phiLeaks(dir / "default", r.out + r.err, phiButDescription);
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);

  r = test::runMedpipe("convert " + quoted(dir / "phi") + " --format nii --deidentify -o " + quoted(dir / "deid"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "deid" / "1.nii"));
  leaks = phiLeaks(dir / "deid", r.out + r.err, phi.markers);
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);
  EXPECT_NE(test::readBytes(dir / "deid" / "1.json").find("\"DeidentificationMethod\""), std::string::npos);

  // The scan is sensitive: --show-phi puts the patient's name into the sidecar, and it is found.
  r = test::runMedpipe("convert " + quoted(dir / "phi") + " --format nii --show-phi -o " + quoted(dir / "shown"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_FALSE(phiLeaks(dir / "shown", "", phiButDescription).empty());
}

TEST(CliToDicom, ConflictingOptionsAreUsageErrors) {
  test::TempDir dir("cli-to-dicom-usage");
  const std::string base = "convert " + quoted(dir / "in") + " -o " + quoted(dir / "out");
  for (const char* options :
       {" --deidentify --show-phi", " --to-dicom --format nrrd", " --uid-map m.csv", " --uid-map m.csv --deidentify"}) {
    const auto r = test::runMedpipe(base + options);
    EXPECT_EQ(r.exitCode, 2) << options << "\n" << r.err;
    EXPECT_NE(r.err.find("Usage:"), std::string::npos) << options;
  }
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace medpipe
