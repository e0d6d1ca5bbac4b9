// RTSTRUCT and SEG through the CLI: scan lists them (not as image series),
// convert writes them beside their volume, radiomics measures a SEG's ROI, and
// a pipeline config takes them as input `rois`.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dicom_output_support.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/region_objects.h"
#include "medpipe/io/segmentation.h"
#include "rtstruct_support.h"
#include "test_support.h"

namespace medpipe::test {
namespace {

std::string readText(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// export/ct (series 3 'Source CT', 40 x 36 x 8), export/rs.dcm (GTV primary:
// 400 voxels, Lung L: 64), export/seg.dcm (the same as a SEG) and, with
// `orphan`, export/orphan.dcm referencing a series that is not in the export.
struct Export {
  fs::path root;
  SeriesVolume series;
  ImageF::Pointer grid;
};

Export writeExport(const fs::path& root, bool orphan) {
  Export e{root, {}, {}};
  PhantomSpec spec;
  spec.size = {40, 36, 8};
  spec.spacing = {1.0, 1.0, 2.5};
  e.series = writeNamedCtSeries(root / "ct", spec);
  e.grid = readVolume(e.series, IrregularGeometry::Fail);
  TestRoi gtv{3, "GTV primary", {255, 0, 0}, "GTV", {}};
  gtv.contours = {indexSquare(*e.grid, e.series, 4.5, 24.5, 3), indexSquare(*e.grid, e.series, 10.5, 16.5, 3),
                  indexSquare(*e.grid, e.series, 6.5, 12.5, 4)};
  TestRoi lung{5, "Lung L", {0, 128, 255}, "ORGAN", {indexSquare(*e.grid, e.series, 26.5, 34.5, 5)}};
  writeTestRtStruct(root / "rs.dcm", {gtv, lung}, e.series);
  const RegionMap map = readRegionObject(root / "rs.dcm", *e.grid);
  SegmentationOptions seg;
  for (const auto& r : map.regions) {
    SegmentDescription s;
    s.label = r.label, s.name = r.name, s.rgb = r.rgb;
    seg.segments.push_back(s);
  }
  writeSegmentation(*map.labels, e.series, seg, root / "seg.dcm");
  if (orphan) writeTestRtStruct(root / "orphan.dcm", {lung}, e.series, "1.2.826.0.1.3680043.2.1125.96.1");
  return e;
}

TEST(RegionsCli, ScanListsStructureSetsAndSegsWithTheirSeries) {
  TempDir dir("regions-scan");
  writeExport(dir / "export", true);
  auto r = runMedpipe("scan " + (dir / "export").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("1 volume(s), 0 non-image DICOM object(s), 3 region object(s) (RTSTRUCT, SEG)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("regions: " + (dir / "export/rs.dcm").string() +
                       " (RTSTRUCT) on series 3 'Source CT', 2 ROI(s): 'GTV primary', 'Lung L'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("regions: " + (dir / "export/seg.dcm").string() +
                       " (SEG) on series 3 'Source CT', 2 ROI(s): 'GTV primary', 'Lung L'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(RTSTRUCT) references a series not in this folder, 1 ROI(s): 'Lung L'"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("DOE"), std::string::npos) << "no patient name without --show-phi";

  r = runMedpipe("scan --json " + (dir / "export").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("\"name\": \"GTV primary\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type\": \"GTV\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"referencedSeriesFound\": false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"referencedSeriesNumber\": 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"modality\": \"SEG\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"modality\": \"SEG\", \"description\""), std::string::npos) << "the SEG is not a volume";
}

TEST(RegionsCli, ConvertWritesLabelMapsAndTablesBesideTheVolume) {
  TempDir dir("regions-convert");
  writeExport(dir / "export", false);
  auto r = runMedpipe("convert " + (dir / "export").string() + " -o " + (dir / "out").string() + " --rois 'GTV*'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path labels = dir / "out/3_Source_CT_rtstruct.nii.gz", seg = dir / "out/3_Source_CT_seg.nii.gz";
  ASSERT_TRUE(fs::exists(labels)) << r.out;
  ASSERT_TRUE(fs::exists(seg)) << r.out;
  EXPECT_NE(r.out.find(labels.string() + "  [RTSTRUCT: 1 'GTV primary'] table " +
                       (dir / "out/3_Source_CT_rtstruct.json").string()),
            std::string::npos)
      << r.out;
  const auto fromContours = readLabelImage(labels), fromSeg = readLabelImage(seg);
  EXPECT_EQ(countLabel(*fromContours, 1), 400u);
  EXPECT_EQ(countLabel(*fromContours, 2), 0u) << "only the GTV was selected";
  EXPECT_EQ(countLabel(*fromSeg, 1), 400u);
  const std::string table = readText(dir / "out/3_Source_CT_rtstruct.json");
  EXPECT_NE(table.find("\"source\": \"RTSTRUCT\""), std::string::npos) << table;
  EXPECT_NE(table.find("\"label\": 1,\n      \"name\": \"GTV primary\""), std::string::npos) << table;
  EXPECT_NE(table.find("\"type\": \"GTV\""), std::string::npos) << table;
  EXPECT_EQ(table.find("Lung"), std::string::npos) << table;
  for (const auto& entry : fs::directory_iterator(dir / "out")) {
    EXPECT_EQ(entry.path().filename().string().find("DOE"), std::string::npos) << entry.path();
    if (entry.path().extension() == ".json") {
      EXPECT_EQ(readText(entry.path()).find("DOE^JANE"), std::string::npos) << entry.path();
    }
  }

  // Every ROI without --rois; a name that matches nothing is an error naming
  // the object.
  r = runMedpipe("convert " + (dir / "export").string() + " -o " + (dir / "all").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(countLabel(*readLabelImage(dir / "all/3_Source_CT_rtstruct.nii.gz"), 2), 64u);
  EXPECT_NE(
      readText(dir / "all/3_Source_CT_seg.json").find("\"color\": [\n        0,\n        128,\n        255\n      ]"),
      std::string::npos)
      << readText(dir / "all/3_Source_CT_seg.json");
  r = runMedpipe("convert " + (dir / "export").string() + " -o " + (dir / "liver").string() + " --rois Liver");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find((dir / "export/rs.dcm").string() +
                       ": rois: 'Liver' matches no ROI of the structure set (ROIs: 'GTV primary', 'Lung L')"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "liver/3_Source_CT_rtstruct.nii.gz"));
}

TEST(RegionsCli, ConvertNamesAStructureSetOfASeriesNotInTheExport) {
  TempDir dir("regions-orphan");
  writeExport(dir / "export", true);
  auto r = runMedpipe("convert " + (dir / "export").string() + " -o " + (dir / "out").string());
  EXPECT_EQ(r.exitCode, 1) << r.out;
  EXPECT_NE(r.err.find((dir / "export/orphan.dcm").string() +
                       ": ReferencedSeriesSequence: references a series that is not in the input"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(dir / "out/3_Source_CT_rtstruct.nii.gz")) << "the others are written";
}

TEST(RegionsCli, RadiomicsTakesASegWithRoi) {
  TempDir dir("regions-radiomics");
  writeExport(dir / "export", false);
  auto r = runMedpipe("radiomics " + (dir / "export/ct").string() + " " + (dir / "export/seg.dcm").string() +
                      " --roi 'Lung*' --bin-count 8 --aggregation 3d -o " + (dir / "f.csv").string() +
                      " --diagnostics " + (dir / "d.json").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string diagnostics = readText(dir / "d.json");
  EXPECT_NE(diagnostics.find("\"diag_n_voxel_initial\": 64"), std::string::npos) << diagnostics;
  EXPECT_EQ(diagnostics.find("\"label\": 2"), std::string::npos) << diagnostics;
  r = runMedpipe("radiomics " + (dir / "export/ct").string() + " " + (dir / "export/rs.dcm").string() +
                 " --roi 'GTV*' --bin-count 8 --aggregation 3d -o " + (dir / "g.csv").string() + " --diagnostics " +
                 (dir / "e.json").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(readText(dir / "e.json").find("\"diag_n_voxel_initial\": 400"), std::string::npos);
  r = runMedpipe("radiomics " + (dir / "export/ct").string() + " " + (dir / "export/seg.dcm").string() +
                 " --roi Heart -o " + (dir / "h.csv").string());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find((dir / "export/seg.dcm").string() +
                       ": rois: 'Heart' matches no ROI of the segmentation (ROIs: 'GTV primary', 'Lung L')"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "h.csv"));
}

std::string pipelineConfig(const fs::path& input, const std::string& inputExtra) {
  return "input:\n  path: " + input.string() + "\n" + inputExtra +
         "steps:\n  stats:\n    stage: label-statistics\n    input: {image: input, labels: rois}\noutputs:\n  - {step: "
         "rois, file: rois.nii.gz}\n  - {step: stats, file: stats.csv}\n";
}

TEST(RegionsCli, PipelineTakesTheRoisOfTheSeriesStructureSet) {
  TempDir dir("regions-run");
  writeExport(dir / "export", false);
  std::ofstream(dir / "c.yaml") << pipelineConfig(dir / "export", "  rois: [\"Lung*\", \"GTV*\"]\n");
  auto r = runMedpipe("validate " + (dir / "c.yaml").string());
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  // Two objects on the series: the config must name one; none: the unit says so.
  r = runMedpipe("run " + (dir / "c.yaml").string() + " -o " + (dir / "two").string());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE((r.out + r.err).find("input.rois: 2 RTSTRUCT/SEG objects reference this series: name one with input.regions"),
            std::string::npos)
      << r.out << r.err;
  fs::rename(dir / "export/seg.dcm", dir / "seg.dcm");
  fs::rename(dir / "export/rs.dcm", dir / "rs.dcm");
  r = runMedpipe("run " + (dir / "c.yaml").string() + " -o " + (dir / "none").string());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE((r.out + r.err).find("input.rois: no RTSTRUCT or SEG in the input references this series"), std::string::npos)
      << r.out << r.err;
  fs::rename(dir / "rs.dcm", dir / "export/rs.dcm");
  r = runMedpipe("run " + (dir / "c.yaml").string() + " -o " + (dir / "out").string());
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const auto rois = readLabelImage(dir / "out/rois.nii.gz");
  EXPECT_EQ(countLabel(*rois, 1), 400u) << "labels in the file's order: GTV first";
  EXPECT_EQ(countLabel(*rois, 2), 64u);
  const std::string stats = readText(dir / "out/stats.csv");
  EXPECT_NE(stats.find("\n1,400,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\n2,64,"), std::string::npos) << stats;

  // Round trip through a pipeline: the "rois" label map as a DICOM SEG keeps the ROI names and colours.
  std::ofstream(dir / "seg.yaml") << "input:\n  path: " << (dir / "export").string()
                                  << "\n  rois: \"*\"\noutputs:\n  - {step: rois, file: rois.dcm, format: dicom}\n";
  r = runMedpipe("run " + (dir / "seg.yaml").string() + " -o " + (dir / "seg-run").string());
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const RegionObject written = describeRegionObject(dir / "seg-run/rois.dcm");
  ASSERT_EQ(written.regions.size(), 2u);
  EXPECT_EQ(written.regions[0].name, "GTV primary");
  EXPECT_EQ(written.regions[1].name, "Lung L");
  EXPECT_EQ(written.regions[1].rgb, (std::array<std::uint8_t, 3>{0, 128, 255}));
  const auto grid = readVolume(onlyVolume(dir / "export/ct"), IrregularGeometry::Fail);
  const RegionMap back = readRegionObject(dir / "seg-run/rois.dcm", *grid);
  EXPECT_EQ(countLabel(*back.labels, 1), 400u);
  EXPECT_EQ(countLabel(*back.labels, 2), 64u);
  expectValidDicom(dir / "seg-run/rois.dcm");

  // The SEG named as the regions file, one ROI; --set input.rois overrides.
  writeExport(dir / "again", false);
  std::ofstream(dir / "s.yaml") << pipelineConfig(dir / "again/ct",
                                                  "  regions: " + (dir / "again/seg.dcm").string() + "\n");
  r = runMedpipe("run " + (dir / "s.yaml").string() + " -o " + (dir / "seg-out").string() +
                 " --set 'input.rois=Lung L'");
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(countLabel(*readLabelImage(dir / "seg-out/rois.nii.gz"), 1), 64u);
  EXPECT_EQ(countLabel(*readLabelImage(dir / "seg-out/rois.nii.gz"), 2), 0u);

  // A ROI name that matches nothing fails the unit with the file and the name.
  r = runMedpipe("run " + (dir / "c.yaml").string() + " -o " + (dir / "bad").string() + " --set input.rois=Liver");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(
      (r.out + r.err).find((dir / "export/rs.dcm").string() + ": rois: 'Liver' matches no ROI of the structure set"),
      std::string::npos)
      << r.out << r.err;
}

TEST(RegionsCli, ValidateAndSchemaKnowTheRoisInput) {
  TempDir dir("regions-validate");
  std::ofstream(dir / "none.yaml") << pipelineConfig(dir / "export", "");
  auto r = runMedpipe("validate " + (dir / "none.yaml").string());
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err)
                .find("step 'stats': input 'rois' needs the ROIs named in the config's input (input: rois: \"GTV*\")"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("none.yaml:8:5: output of 'rois' needs the ROIs named in the config's input"),
            std::string::npos)
      << r.out << r.err;
  std::ofstream(dir / "typo.yaml") << pipelineConfig(dir / "export", "  roi: GTV\n");
  r = runMedpipe("validate " + (dir / "typo.yaml").string());
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE((r.out + r.err).find("typo.yaml:3:3: input.roi: unknown input key (expected path, series, rois, regions)"),
            std::string::npos)
      << r.out << r.err;
  std::ofstream(dir / "file.yaml") << pipelineConfig(dir / "ct.nii.gz", "  rois: GTV\n");
  r = runMedpipe("validate " + (dir / "file.yaml").string());
  EXPECT_NE((r.out + r.err)
                .find("input.rois: an image-file input has no RTSTRUCT or SEG beside it: name one with input.regions"),
            std::string::npos)
      << r.out << r.err;
  r = runMedpipe("schema");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char* key : {"\"rois\"", "\"regions\"", "ROI names or globs of the RTSTRUCT or SEG"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace medpipe::test
