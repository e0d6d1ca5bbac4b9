// De-identified pipeline outputs share one UID map per run: the derived series and SEG of a study,
// every unit of a batch, and (through `run --uid-map`) every process sharing the map file.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "dicom_output_support.h"
#include "medpipe/io/deidentify.h"
#include "medpipe/pipeline/batch_runner.h"
#include "test_support.h"

namespace medpipe {

// A derived series and a SEG of one study, de-identified, stay one study: one new Study Instance
// UID, one new Frame of Reference, one patient, and the SEG references the new UIDs of its source.
// A second run with the same map file gives the same UIDs.
TEST(PipelineDicomOutputs, DeidentifiedSeriesAndSegOfOneStudyShareTheRunsUidMap) {
  test::TempDir dir("pipeline-dicom-uids");
  PhantomSpec spec;
  spec.size = {48, 48, 6};
  spec.spacing = {4, 4, 8};
  const SeriesVolume source = test::writeNamedCtSeries(dir / "dicom", spec);
  const std::string yaml = R"(input: ${input_dir}
steps:
  smooth: {stage: gaussian, input: input, sigma: 2}
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
outputs:
  - {step: smooth, file: smooth-dicom, format: dicom, deidentify: on}
  - {step: bone, file: bone-seg.dcm, format: dicom, deidentify: TRUE}
)";
  const PipelineConfig config = parsePipelineConfig(yaml, "c.yaml", {}, {{"input_dir", (dir / "dicom").string()}});
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok()) << plan.problems.front().str();
  const auto mapFile = dir / "private" / "uid-map.csv";
  std::filesystem::create_directories(mapFile.parent_path());

  struct Uids {
    std::string study, frame, segReferencedSeries, segReferencedInstance, derivedSourceInstance;
  };
  auto run = [&] {
    UidMap uids;
    uids.share(mapFile);
    BatchOptions options;
    options.outputFolder = dir / "out";
    options.run.force = true;
    options.run.uids = &uids;
    const auto outcomes = runBatch(config, plan, planWorkUnits(config), options);
    EXPECT_TRUE(outcomes.at(0).ok) << outcomes[0].error;
    uids.saveShared();
    const auto series = dir / "out" / "smooth-dicom" / "IM0001.dcm", seg = dir / "out" / "bone-seg.dcm";
    EXPECT_EQ(test::dicomText(series, 0x0020, 0x000d), test::dicomText(seg, 0x0020, 0x000d));
    EXPECT_EQ(test::dicomText(series, 0x0020, 0x0052), test::dicomText(seg, 0x0020, 0x0052));
    for (const std::uint16_t patient : {0x0010, 0x0020}) {  // name and ID: one (de-identified) patient
      EXPECT_EQ(test::dicomText(series, 0x0010, patient), test::dicomText(seg, 0x0010, patient));
      EXPECT_TRUE(test::hasAttribute(seg, 0x0010, patient));
    }
    EXPECT_EQ(test::dicomText(series, 0x0010, 0x0010).find("DOE"), std::string::npos);
    // The SEG's references are the source's UIDs as the map replaced them.
    const std::string referencedSeries = test::dicomTextInItem(seg, 0x00081115, 0x0020, 0x000e);
    EXPECT_EQ(referencedSeries, uids.find(source.first().seriesInstanceUid).value_or("unmapped"));
    const std::string referencedInstance = test::dicomTextInItem(seg, 0x00081115, 0x0008, 0x1155, 0x0008114a);
    const std::string derivedSource = test::dicomTextInItem(series, 0x00082112, 0x0008, 0x1155);
    std::vector<std::string> mappedSources;
    for (const auto& slice : source.slices) mappedSources.push_back(uids.find(slice.sopInstanceUid).value_or("unmapped"));
    EXPECT_NE(std::find(mappedSources.begin(), mappedSources.end(), referencedInstance), mappedSources.end());
    EXPECT_NE(std::find(mappedSources.begin(), mappedSources.end(), derivedSource), mappedSources.end());
    return Uids{test::dicomText(seg, 0x0020, 0x000d), test::dicomText(seg, 0x0020, 0x0052), referencedSeries,
                referencedInstance, derivedSource};
  };
  const Uids first = run();
  EXPECT_NE(first.study, source.first().studyInstanceUid);
  EXPECT_NE(first.frame, source.first().frameOfReferenceUid);
  EXPECT_FALSE(first.study.empty());
  const Uids second = run();
  EXPECT_EQ(second.study, first.study);
  EXPECT_EQ(second.frame, first.frame);
  EXPECT_EQ(second.segReferencedSeries, first.segReferencedSeries);
  EXPECT_EQ(second.segReferencedInstance, first.segReferencedInstance);
  EXPECT_EQ(second.derivedSourceInstance, first.derivedSourceInstance);
}

// Every unit of a batch writes into one study: the run's one map serves them all.
TEST(PipelineDicomOutputs, UnitsOfOneStudyShareItsNewStudyUid) {
  test::TempDir dir("pipeline-dicom-units");
  PhantomSpec spec;
  spec.size = {32, 32, 4};
  spec.spacing = {4, 4, 8};
  test::writePhantomExport(dir / "export", 2, spec);
  const PipelineConfig config = parsePipelineConfig(
      "input: ${input_dir}\noutputs:\n  - {step: input, file: copy, format: dicom, deidentify: yes}\n", "c.yaml", {},
      {{"input_dir", (dir / "export").string()}});
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok()) << plan.problems.front().str();
  const auto units = planWorkUnits(config);
  ASSERT_EQ(units.size(), 2u);
  BatchOptions options;
  options.outputFolder = dir / "out";
  options.jobs = 2;
  const auto outcomes = runBatch(config, plan, units, options);
  ASSERT_TRUE(outcomes.at(0).ok && outcomes.at(1).ok) << outcomes[0].error << outcomes[1].error;
  const auto a = dir / "out" / units[0].id / "copy" / "IM0001.dcm", b = dir / "out" / units[1].id / "copy" / "IM0001.dcm";
  EXPECT_EQ(test::dicomText(a, 0x0020, 0x000d), test::dicomText(b, 0x0020, 0x000d));
  EXPECT_NE(test::dicomText(a, 0x0020, 0x000d), units[0].volume.first().studyInstanceUid);
  EXPECT_NE(test::dicomText(a, 0x0020, 0x000e), test::dicomText(b, 0x0020, 0x000e));
}

}  // namespace medpipe

namespace medpipe {

// Four `medpipe run --unit` processes at once (as Snakemake runs them), one --uid-map: the four
// series land in one new study, and the map holds every source UID of all four.
TEST(RunUidMap, ParallelUnitProcessesShareOneMapFile) {
  test::TempDir dir("run-uid-map");
  PhantomSpec spec;
  spec.size = {32, 32, 4};
  spec.spacing = {4, 4, 8};
  test::writePhantomExport(dir / "export", 4, spec);
  const auto config = dir / "c.yaml";
  std::ofstream(config) << "input: ${input_dir}\noutputs:\n  - {step: input, file: copy, format: dicom, deidentify: yes}\n";
  const auto units = planWorkUnits(parsePipelineConfig("input: " + (dir / "export").string() + "\n", "c.yaml"));
  ASSERT_EQ(units.size(), 4u);
  const auto map = dir / "private" / "uid-map.csv";
  std::filesystem::create_directories(map.parent_path());
  std::string jobs;
  for (const auto& u : units)
    jobs += "'" MEDPIPE_EXE "' run '" + config.string() + "' --input '" + (dir / "export").string() + "' --output '" +
            (dir / "out").string() + "' --quiet --unit " + u.id + " --uid-map '" + map.string() + "' & pids=\"$pids $!\"; ";
  const auto r = test::runCommand(jobs + "status=0; for p in $pids; do wait $p || status=1; done; exit $status");
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;

  UidMap uids;
  uids.load(map);  // well formed after four concurrent writers
  std::set<std::string> studies;
  for (const auto& u : units) {
    const auto file = dir / "out" / u.id / "copy" / "IM0001.dcm";
    ASSERT_TRUE(std::filesystem::exists(file)) << u.id << ": " << r.out;
    studies.insert(test::dicomText(file, 0x0020, 0x000d));
    for (const auto& slice : u.volume.slices) EXPECT_TRUE(uids.find(slice.sopInstanceUid)) << "lost: " << slice.sopInstanceUid;
    EXPECT_EQ(test::dicomTextInItem(file, 0x00081115, 0x0020, 0x000e), uids.find(u.volume.first().seriesInstanceUid).value_or(""));
  }
  EXPECT_EQ(studies.size(), 1u);
  EXPECT_EQ(*studies.begin(), uids.find(units[0].volume.first().studyInstanceUid).value_or(""));
}

TEST(RunUidMap, NeedsADeidentifiedDicomOutput) {
  test::TempDir dir("run-uid-map-needs");
  PhantomSpec spec;
  spec.size = {16, 16, 4};
  test::writePhantomSeries(spec, dir / "dicom");
  std::ofstream(dir / "c.yaml") << "input: ${input_dir}\noutputs:\n  - {step: input, file: copy, format: dicom, deidentify: no}\n";
  const auto r = test::runMedpipe("run '" + (dir / "c.yaml").string() + "' --input '" + (dir / "dicom").string() + "' --output '" +
                                  (dir / "out").string() + "' --uid-map '" + (dir / "map.csv").string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe run: error: --uid-map: no output of this config is de-identified DICOM (format: dicom, deidentify: true)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "map.csv"));
}

}  // namespace medpipe
