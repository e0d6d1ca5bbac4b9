// Label maps as DICOM Segmentation objects (binary SEG, one segment per label): written with
// writeSegmentation, read back with readSegmentation, validated by dciodvfy and dcmdump.
#include <gtest/gtest.h>

#include <set>

#include "dicom_output_support.h"
#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/segmentation.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

std::vector<SegmentDescription> phantomSegments() {
  SegmentDescription tissue, lung, bone;
  tissue.label = kSoftTissue, tissue.name = "Soft tissue", tissue.rgb = {177, 122, 101};
  lung.label = kLung, lung.name = "Lung", lung.rgb = {197, 165, 145};
  lung.category = {"123037004", "SCT", "Anatomical Structure"}, lung.type = {"39607008", "SCT", "Lung"};
  bone.label = kBone, bone.name = "Bone", bone.rgb = {241, 214, 145};
  bone.type = {"272673000", "SCT", "Bone"};
  return {tissue, lung, bone};
}

size_t differingVoxels(const LabelImage& a, const LabelImage& b) {
  size_t differing = 0;
  for (size_t i = 0; i < a.GetPixelContainer()->Size(); ++i)
    differing += a.GetBufferPointer()[i] != b.GetBufferPointer()[i];
  return differing;
}

}  // namespace

TEST(Segmentation, PhantomLabelsRoundTripThroughABinarySeg) {
  test::TempDir dir("seg-roundtrip");
  PhantomSpec spec;
  spec.size = {48, 40, 12};
  spec.spacing = {0.9, 0.8, 2.5};
  const SeriesVolume source = test::writeNamedCtSeries(dir / "source", spec);
  const LabelImage::Pointer labels = makeBodyPhantom(spec).labels;
  SegmentationOptions options;
  options.segments = phantomSegments();
  const WrittenSegmentation written = writeSegmentation(*labels, source, options, dir / "seg.dcm");

  // One frame per segment and slice where it is present.
  size_t expectedFrames = 0;
  for (const auto& segment : options.segments)
    for (unsigned k = 0; k < 12; ++k) {
      bool present = false;
      for (unsigned j = 0; j < 40 && !present; ++j)
        for (unsigned i = 0; i < 48 && !present; ++i) present = labels->GetPixel({{i, j, k}}) == segment.label;
      expectedFrames += present;
    }
  EXPECT_EQ(written.frames, expectedFrames);
  EXPECT_EQ(test::dicomText(written.file, 0x0008, 0x0060), "SEG");
  EXPECT_EQ(test::dicomText(written.file, 0x0020, 0x000d), source.first().studyInstanceUid);
  EXPECT_EQ(test::dicomText(written.file, 0x0020, 0x0052), source.first().frameOfReferenceUid);
  EXPECT_EQ(test::dicomText(written.file, 0x0010, 0x0010), "DOE^JANE");
  EXPECT_EQ(test::dicomText(written.file, 0x0020, 0x000e), written.seriesInstanceUid);
  EXPECT_EQ(test::dicomTextInItem(written.file, 0x00081115, 0x0020, 0x000e), source.first().seriesInstanceUid);

  const Segmentation back = readSegmentation(written.file, *labels);
  std::string why;
  EXPECT_TRUE(test::sameGeometry(*back.labels, *labels, 1e-6, &why)) << why;
  EXPECT_EQ(differingVoxels(*back.labels, *labels), 0u);  // segment numbers are the phantom's labels
  ASSERT_EQ(back.segments.size(), 3u);
  for (size_t s = 0; s < 3; ++s) {
    const SegmentDescription& expected = options.segments[s];
    EXPECT_EQ(back.segments[s].label, s + 1);
    EXPECT_EQ(back.segments[s].name, expected.name);
    EXPECT_EQ(back.segments[s].type.value, expected.type.value);
    EXPECT_EQ(back.segments[s].category.meaning, expected.category.meaning);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(back.segments[s].rgb[c], expected.rgb[c], 1) << expected.name;
  }
  test::expectValidDicom(written.file);
}

TEST(Segmentation, DefaultSegmentsAreTheLabelsPresent) {
  test::TempDir dir("seg-default");
  PhantomSpec spec;
  spec.size = {32, 28, 6};
  spec.spacing = {4, 4, 2.5};  // the whole body: air, tissue, lungs and bone
  const SeriesVolume source = test::writeNamedCtSeries(dir / "source", spec);
  const LabelImage::Pointer labels = makeBodyPhantom(spec).labels;
  const WrittenSegmentation written = writeSegmentation(*labels, source, {}, dir / "seg.dcm");
  const Segmentation back = readSegmentation(written.file, *labels);
  std::set<std::uint8_t> present(labels->GetBufferPointer(),
                                 labels->GetBufferPointer() + labels->GetPixelContainer()->Size());
  present.erase(0);
  ASSERT_EQ(back.segments.size(), present.size());
  for (size_t s = 0; s < back.segments.size(); ++s)  // numbered 1, 2, ... in label order
    EXPECT_EQ(back.segments[s].name, "Label " + std::to_string(*std::next(present.begin(), s)));
  ASSERT_EQ(*present.rbegin(), present.size());  // labels 1..n: segment number n is label n
  EXPECT_EQ(differingVoxels(*back.labels, *labels), 0u);
  EXPECT_THROW(writeSegmentation(*labels, source, {}, dir / "seg.dcm"), Error);  // exists, no overwrite

  auto empty = LabelImage::New();
  empty->CopyInformation(labels);
  empty->SetRegions(labels->GetLargestPossibleRegion());
  empty->Allocate();
  empty->FillBuffer(0);
  EXPECT_THROW(writeSegmentation(*empty, source, {}, dir / "empty.dcm"), Error);
  EXPECT_FALSE(fs::exists(dir / "empty.dcm"));
}

TEST(Segmentation, DeidentifiedSegHasNoPhiAndStaysValid) {
  test::TempDir dir("seg-deid");
  const test::PhiSeries phi = test::writePhiSeries(dir / "phi");
  const SeriesVolume source = test::onlyVolume(dir / "phi");
  UidMap uids;
  const Deidentifier deidentifier(uids);
  SegmentationOptions options;
  options.segments = phantomSegments();
  options.deidentifier = &deidentifier;
  const WrittenSegmentation written = writeSegmentation(*phi.labels, source, options, dir / "seg.dcm");
  const auto found = test::markersFoundIn(test::readBytes(written.file), phi.markers);
  EXPECT_TRUE(found.empty()) << ::testing::PrintToString(found);
  EXPECT_EQ(test::dicomText(written.file, 0x0020, 0x000d), uids.find(phi.studyUid).value_or("?"));
  EXPECT_EQ(test::dicomText(written.file, 0x0012, 0x0062), "YES");
  EXPECT_EQ(test::dicomText(written.file, 0x0008, 0x0023), "19000101");  // Type 1 in SEG: a dummy
  const Segmentation back = readSegmentation(written.file, *phi.labels);
  EXPECT_EQ(differingVoxels(*back.labels, *phi.labels), 0u);
  test::expectValidDicom(written.file);
}

}  // namespace medpipe
