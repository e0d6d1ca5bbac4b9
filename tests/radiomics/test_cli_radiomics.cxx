// `medpipe radiomics` end to end: the digital phantom's NIfTI files through the CLI give all 482
// reference values, the long, wide and JSON forms, the diagnostics file and the error messages.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "ibsi_phantom.h"
#include "test_support.h"

namespace medpipe::test {
namespace {

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::vector<std::string>> readCsv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    rows.emplace_back();
    std::stringstream fields(line);
    std::string f;
    while (std::getline(fields, f, ',')) rows.back().push_back(f);
    if (!line.empty() && line.back() == ',') rows.back().emplace_back();
  }
  return rows;
}

#define REQUIRE_PHANTOM()                                                                                    \
  if (ibsiPhantomDir().empty()) GTEST_SKIP() << "IBSI digital phantom not found under " MEDPIPE_SHARED_DATA; \
  const fs::path phantom = ibsiPhantomDir() / "phantom.nii.gz", mask = ibsiPhantomDir() / "mask.nii.gz"

TEST(RadiomicsCli, DigitalPhantomGivesEveryReferenceValue) {
  REQUIRE_PHANTOM();
  TempDir dir("radiomics-cli");
  const auto r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "f.csv").string() +
                            " --bin-width 1 --diagnostics " + (dir / "diag.json").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto rows = readCsv(dir / "f.csv");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"label", "family", "tag", "ibsi_code", "value"}));
  std::map<std::string, std::vector<std::string>> byTag;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 5u) << "row " << i;
    EXPECT_EQ(rows[i][0], "1");
    byTag[rows[i][2]] = rows[i];
  }
  int passed = 0;
  const std::map<std::string, std::string> codeSlips{{"ih_p10", "GPMT"}, {"ih_p90", "OZ0C"}, {"szm_sze", "5QRC"}};
  for (const auto& ref : readIbsiReference()) {
    const auto it = byTag.find(ref.tag);
    if (it == byTag.end()) {
      ADD_FAILURE() << ref.tag << " missing";
      continue;
    }
    EXPECT_EQ(it->second[1], ref.family) << ref.tag;
    std::string base =
        ref.tag.substr(0, ref.tag.find("_2") == std::string::npos ? ref.tag.find("_3D") : ref.tag.find("_2"));
    EXPECT_EQ(it->second[3], codeSlips.count(base) ? codeSlips.at(base) : ref.code) << ref.tag;
    if (matchesIbsi(std::stod(it->second[4]), ref))
      ++passed;
    else
      ADD_FAILURE() << ref.tag << ": " << it->second[4] << ", reference " << ref.value;
  }
  EXPECT_EQ(passed, 482);
  const std::string diag = readText(dir / "diag.json");
  EXPECT_NE(diag.find("\"diag_n_voxel_initial\": 74"), std::string::npos) << diag;
  EXPECT_NE(diag.find("\"diag_n_voxel_reseg\": 74"), std::string::npos) << diag;
  EXPECT_EQ(byTag.count("diag_n_voxel_initial"), 0u) << "diagnostics stay out of the feature table";
}

TEST(RadiomicsCli, WideCsvAndJsonForms) {
  REQUIRE_PHANTOM();
  TempDir dir("radiomics-cli-wide");
  auto r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "w.csv").string() +
                      " --wide --bin-width 1 --aggregation 3d");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto rows = readCsv(dir / "w.csv");
  ASSERT_EQ(rows.size(), 2u);  // header + label 1
  EXPECT_EQ(rows[0][0], "label");
  EXPECT_NE(std::find(rows[0].begin(), rows[0].end(), "cm_joint_max_3D_avg"), rows[0].end());
  EXPECT_EQ(std::find(rows[0].begin(), rows[0].end(), "cm_joint_max_2D_avg"), rows[0].end()) << "3d only";
  r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "l.json").string() +
                 " --bin-width 1 --aggregation 3d");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string json = readText(dir / "l.json");
  EXPECT_NE(json.find("\"tag\": \"morph_volume\""), std::string::npos);
  EXPECT_NE(json.find("\"ibsi_code\": \"RNU0\""), std::string::npos);
}

TEST(RadiomicsCli, ResamplingIsReportedInTheDiagnostics) {
  REQUIRE_PHANTOM();
  TempDir dir("radiomics-cli-resample");
  const auto r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "f.csv").string() +
                            " --spacing 1,1,1 --interpolation linear --mask-interpolation linear --bin-count 8"
                            " --diagnostics " +
                            (dir / "diag.json").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string diag = readText(dir / "diag.json");
  // 5 x 4 x 4 voxels of 2 mm at 1 mm: ceil(n * 2 / 1) = 10 x 8 x 8.
  EXPECT_NE(diag.find("\"diag_interp_size_x\": 10"), std::string::npos) << diag;
  EXPECT_NE(diag.find("\"diag_interp_size_z\": 8"), std::string::npos) << diag;
}

TEST(RadiomicsCli, ErrorsNameTheProblem) {
  REQUIRE_PHANTOM();
  TempDir dir("radiomics-cli-errors");
  auto r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "f.csv").string() +
                      " --label 7");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("label 7 has no voxel"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "f.csv"));
  r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "f.csv").string() +
                 " --interpolation quadratic");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("radiomics.interpolation"), std::string::npos) << r.err;
  r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "f.txt").string());
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find(".csv or .json"), std::string::npos) << r.err;
  r = runMedpipe("radiomics " + phantom.string() + " " + mask.string() + " -o " + (dir / "f.csv").string() +
                 " --bin-width 1 --bin-count 8");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace medpipe::test

namespace medpipe::test {
namespace {

// The stage in a pipeline: a threshold makes the labels, radiomics measures them, a wide table out.
TEST(RadiomicsStage, RunsInAPipelineConfig) {
  REQUIRE_PHANTOM();
  TempDir dir("radiomics-stage");
  {
    std::ofstream config(dir / "radiomics.yaml");
    config << "input:\n  path: " << phantom.string() << "\n"
           << "steps:\n"
           << "  mask: {stage: binary-threshold, input: input, lower: 1, upper: 6}\n"
           << "  features:\n    stage: radiomics\n    input: {image: input, labels: mask}\n"
           << "    bin-width: 1\n    aggregation: 3d\n    spacing: 2,2,2\n    interpolation: nearest\n"
           << "    mask-interpolation: nearest\n    diagnostics: true\n"
           << "outputs:\n  - {step: features, file: features.csv}\n";
  }
  const auto r = runMedpipe("run " + (dir / "radiomics.yaml").string() + " --output " + (dir / "out").string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto rows = readCsv(dir / "out" / "features.csv");
  ASSERT_EQ(rows.size(), 2u);
  std::map<std::string, std::string> value;
  for (size_t c = 0; c < rows[0].size(); ++c) value[rows[0][c]] = rows[1][c];
  // Every voxel with 1..6: the 80 voxels but the 9 in the middle.
  EXPECT_EQ(std::stod(value.at("diag_n_voxel_initial")), 79);
  EXPECT_EQ(std::stod(value.at("morph_vol_approx")), 79 * 8);
  EXPECT_EQ(value.count("cm_joint_max_3D_avg"), 1u);
}

}  // namespace
}  // namespace medpipe::test
