// A series that holds one slice twice, as a PACS re-sending an instance does (same position, same
// pixels, a new SOP Instance UID): one volume, with a warning naming both files. A second slice at
// a position with other pixels is still a second volume.
#include <gtest/gtest.h>

#include <fstream>

#include "medpipe/core/log.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/dicom_conversion.h"
#include "captured_warnings.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

using test::CapturedWarnings;

class DuplicateSlices : public ::testing::Test {
 protected:
  void SetUp() override {
    PhantomSpec spec;
    spec.size = {40, 32, 40};
    spec.spacing = {4, 4, 5};
    phantom_ = test::writePhantomSeries(spec, dir_ / "dicom");
  }
  // IM0007.dcm again as IM0007b.dcm with a new SOP Instance UID (dcmtk's dcmodify, as a real
  // re-send changes it); with `changePixel`, its last pixel is one unit brighter.
  fs::path resend(bool changePixel) {
    const fs::path copy = dir_ / "dicom" / "IM0007b.dcm";
    fs::copy_file(original(), copy);
    const auto r = test::runCommand("dcmodify -nb -m '(0008,0018)=1.2.826.0.1.3680043.2.1143.777' '" + copy.string() + "'");
    EXPECT_EQ(r.exitCode, 0) << "dcmodify (dcmtk) failed: " << r.err;
    if (changePixel) {
      std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(-2, std::ios::end);
      char low = 0;
      f.get(low);
      f.seekp(-2, std::ios::end);
      f.put(static_cast<char>(low + 1));
    }
    return copy;
  }
  fs::path original() const { return dir_ / "dicom" / "IM0007.dcm"; }
  test::TempDir dir_{"duplicate-slices"};
  Phantom phantom_;
};

}  // namespace

TEST_F(DuplicateSlices, AnIdenticalCopyIsLeftOutWithAWarningNamingBothFiles) {
  const fs::path copy = resend(false);
  CapturedWarnings warnings;
  const DicomIndex index = indexDicomFolder(dir_ / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  const SeriesVolume& volume = index.volumes[0];
  EXPECT_EQ(volume.slices.size(), 40u);
  EXPECT_EQ(volume.splitReason, "");
  ASSERT_EQ(volume.duplicates.size(), 1u);
  EXPECT_EQ(volume.duplicates[0].copy, copy);
  EXPECT_EQ(volume.duplicates[0].original, original());
  EXPECT_EQ(warnings.lines(), std::vector<std::string>{copy.string() + ": the same slice as " + original().string() +
                                                       " (same position and pixel data): left out"});
  // The volume is the phantom, voxel for voxel.
  const auto image = readVolume(volume, IrregularGeometry::Fail);
  ASSERT_EQ(image->GetLargestPossibleRegion().GetSize(), phantom_.image->GetLargestPossibleRegion().GetSize());
  size_t differing = 0;
  for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
    differing += image->GetBufferPointer()[i] != phantom_.image->GetBufferPointer()[i];
  EXPECT_EQ(differing, 0u);
}

TEST_F(DuplicateSlices, OtherPixelsAtTheSamePositionAreStillASecondVolume) {
  const fs::path copy = resend(true);
  CapturedWarnings warnings;
  const DicomIndex index = indexDicomFolder(dir_ / "dicom");
  ASSERT_EQ(index.volumes.size(), 2u);
  EXPECT_EQ(index.volumes[0].slices.size(), 40u);
  ASSERT_EQ(index.volumes[1].slices.size(), 1u);
  EXPECT_EQ(index.volumes[1].slices[0].path, copy);
  EXPECT_EQ(index.volumes[1].splitReason, "the same position occurs more than once");
  EXPECT_TRUE(index.volumes[0].duplicates.empty());
  EXPECT_TRUE(warnings.lines().empty());
}

TEST_F(DuplicateSlices, ConvertWritesOneVolumeAndScanSaysWhatWasLeftOut) {
  const fs::path copy = resend(false);
  const auto c = test::runMedpipe("convert '" + (dir_ / "dicom").string() + "' -o '" + (dir_ / "out").string() + "'");
  ASSERT_EQ(c.exitCode, 0) << c.err;
  EXPECT_NE(c.err.find(copy.string() + ": the same slice as " + original().string()), std::string::npos) << c.err;
  size_t images = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "out")) images += e.path().string().find(".nii.gz") != std::string::npos;
  EXPECT_EQ(images, 1u);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "1_Phantom_CT_v2.nii.gz"));
  const auto s = test::runMedpipe("scan '" + (dir_ / "dicom").string() + "'");
  ASSERT_EQ(s.exitCode, 0) << s.err;
  EXPECT_NE(s.out.find("(1 duplicate slice(s) left out)"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("1 volume(s)"), std::string::npos) << s.out;
  const auto json = test::runMedpipe("scan --json '" + (dir_ / "dicom").string() + "'");
  EXPECT_NE(json.out.find("\"duplicateSlicesLeftOut\": 1"), std::string::npos) << json.out;
}

}  // namespace medpipe
