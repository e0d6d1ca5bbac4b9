// Series facts from real scanner headers, checked against dcmtk's dcmdump of the same file.
#include <gtest/gtest.h>

#include <cmath>

#include "medpipe/cohort/series_facts.h"
#include "medpipe/io/dicom_index.h"
#include "test_support.h"

namespace medpipe {
namespace {

// The value of one attribute as dcmdump prints it: "(0018,1210) SH [UB] ..." -> "UB".
std::string dcmdumpValue(const std::filesystem::path& file, const std::string& tag) {
  const auto r = test::runCommand("dcmdump +P " + tag + " '" + file.string() + "'");
  const auto open = r.out.find('['), close = r.out.find(']');
  return open == std::string::npos || close == std::string::npos ? "<absent>" : r.out.substr(open + 1, close - open - 1);
}

}  // namespace

TEST(SeriesFacts, RealPhilipsCtMatchesDcmdump) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-philips-140");
  const DicomIndex index = indexDicomFolder(test::sharedDataDir() / "ct-philips-140");
  ASSERT_EQ(index.volumes.size(), 1u);
  const SeriesVolume& volume = index.volumes[0];
  const cohort::SeriesFacts f = cohort::seriesFactsFromVolume(volume, false);
  const auto first = volume.first().path;
  EXPECT_EQ(f.modality, "CT");
  EXPECT_EQ(f.manufacturer, dcmdumpValue(first, "0008,0070"));
  EXPECT_EQ(f.model, dcmdumpValue(first, "0008,1090"));
  EXPECT_EQ(f.model, "Ingenuity CT");
  EXPECT_EQ(f.kernel, dcmdumpValue(first, "0018,1210"));
  EXPECT_DOUBLE_EQ(f.kvp, std::stod(dcmdumpValue(first, "0018,0060")));
  EXPECT_DOUBLE_EQ(f.tubeCurrentMa, std::stod(dcmdumpValue(first, "0018,1151")));
  EXPECT_DOUBLE_EQ(f.sliceThicknessMm, std::stod(dcmdumpValue(first, "0018,0050")));
  EXPECT_EQ(f.size, (std::array<long long, 3>{512, 512, 140}));
  EXPECT_NEAR(f.spacingMm[0], 0.451, 0.001);
  EXPECT_NEAR(f.spacingMm[2], 1.0, 0.01);
  EXPECT_EQ(f.health, "OK");
  EXPECT_EQ(f.missingSlices, 0);
  // No PHI unless asked; the hash is stable and not the UID.
  EXPECT_TRUE(f.seriesUid.empty() && f.studyUid.empty() && f.patientId.empty());
  EXPECT_EQ(f.seriesUidHash, cohort::hashIdentifier(volume.first().seriesInstanceUid));
  EXPECT_EQ(f.seriesUidHash.size(), 16u);
  EXPECT_EQ(cohort::seriesFactsFromVolume(volume, true).seriesUid, volume.first().seriesInstanceUid);
}

TEST(SeriesFacts, RealTiltedUnevenGeStackReportsItsFindings) {
  MEDPIPE_REQUIRE_SHARED_DATA("ct-ge-tilt-uneven");
  const DicomIndex index = indexDicomFolder(test::sharedDataDir() / "ct-ge-tilt-uneven");
  ASSERT_FALSE(index.volumes.empty());
  const cohort::SeriesFacts f = cohort::seriesFactsFromVolume(index.volumes[0], false);
  EXPECT_NEAR(f.gantryTiltDegrees, 18.5, 0.1);
  EXPECT_TRUE(f.nonUniformSpacing);
  EXPECT_NE(f.health, "OK");
}

TEST(SeriesFacts, SeriesJsonRoundTrips) {
  test::TempDir dir("series-facts");
  cohort::SeriesFacts f;
  f.modality = "CT", f.manufacturer = "Philips", f.model = "Ingenuity CT", f.kernel = "UB";
  f.kvp = 120, f.tubeCurrentMa = 112, f.sliceThicknessMm = 1;
  f.spacingMm = {0.451, 0.451, 1}, f.size = {512, 512, 140}, f.slicesRead = 140, f.missingSlices = 2;
  f.nonUniformSpacing = true, f.gantryTiltDegrees = 3.5, f.health = "missing slices at 12, 14 mm";
  f.seriesUidHash = "0123456789abcdef";
  cohort::writeSeriesFacts(f, dir / "series.json");
  const auto g = cohort::readSeriesFacts(dir / "series.json");
  EXPECT_EQ(g.model, f.model);
  EXPECT_EQ(g.kernel, f.kernel);
  EXPECT_EQ(g.kvp, 120);
  EXPECT_EQ(g.tubeCurrentMa, 112);
  EXPECT_EQ(g.spacingMm, f.spacingMm);
  EXPECT_EQ(g.size, f.size);
  EXPECT_EQ(g.missingSlices, 2);
  EXPECT_TRUE(g.nonUniformSpacing);
  EXPECT_EQ(g.health, f.health);
  EXPECT_EQ(g.seriesUidHash, f.seriesUidHash);
  EXPECT_TRUE(g.patientId.empty());
}

}  // namespace medpipe
