// 3D Slicer CLI modules: every stage's description validates against Slicer's schema (xmllint),
// follows the parser's rules the schema does not state, and `slicer-cli` gives the same voxels and
// tables as the same stage in a pipeline config.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "image_compare.h"
#include "medpipe/filters/stage.h"
#include "medpipe/io/image_file.h"
#include "stage_test_support.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// Slicer's upstream ModuleDescription.xsd does not compile as published: an <xsd:attribute> follows
// <xsd:complexContent> in enumerationType (both libxml2 and Xerces refuse it), and that type allows
// one <element> although every Slicer enumeration lists several. The test validates against the
// shared copy with exactly these two repairs.
fs::path repairedSlicerSchema(const fs::path& folder) {
  std::string xsd = readText(MEDPIPE_SLICER_SCHEMA);
  const std::string strayAttribute =
      "      </xsd:complexContent>\n      <xsd:attribute name=\"hidden\" type=\"xsd:boolean\"/>\n";
  const std::string oneElement = "<xsd:element name=\"element\" type=\"xsd:string\"/>";
  const auto attributeAt = xsd.find(strayAttribute), elementAt = xsd.find(oneElement);
  EXPECT_NE(attributeAt, std::string::npos) << "the shared schema changed; revisit the repairs";
  EXPECT_NE(elementAt, std::string::npos) << "the shared schema changed; revisit the repairs";
  if (attributeAt != std::string::npos)
    xsd.replace(attributeAt, strayAttribute.size(), "      </xsd:complexContent>\n");
  const auto at = xsd.find(oneElement);
  if (at != std::string::npos)
    xsd.replace(at, oneElement.size(), "<xsd:element name=\"element\" type=\"xsd:string\" maxOccurs=\"unbounded\"/>");
  const fs::path path = folder / "ModuleDescription.xsd";
  writeText(path, xsd);
  return path;
}

class SlicerXml : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(MEDPIPE_SLICER_SCHEMA)) GTEST_SKIP() << "Slicer's schema not found at " MEDPIPE_SLICER_SCHEMA;
    if (test::runCommand("xmllint --version").exitCode != 0) GTEST_SKIP() << "xmllint missing (Debian: libxml2-utils)";
    schema_ = repairedSlicerSchema(dir_.path());
  }
  test::CommandResult validate(const fs::path& xml) {
    return test::runCommand("xmllint --noout --schema " + quoted(schema_) + " " + quoted(xml));
  }
  test::TempDir dir_{"slicer-xml"};
  fs::path schema_;
};

TEST_F(SlicerXml, EveryStageValidatesAgainstSlicersSchema) {
  size_t count = 0;
  for (const Stage* stage : allStages()) {
    const std::string name = stage->spec().name;
    const fs::path xml = dir_ / (name + ".xml");
    const auto r = test::runMedpipe("slicer-xml " + name + " -o " + quoted(xml));
    ASSERT_EQ(r.exitCode, 0) << name << ": " << r.err;
    const auto v = validate(xml);
    EXPECT_EQ(v.exitCode, 0) << name << ":\n" << v.err << readText(xml);
    ++count;
  }
  EXPECT_GE(count, 30u);
}

TEST_F(SlicerXml, TheValidatorRejectsABrokenDescription) {
  const fs::path xml = dir_ / "broken.xml";
  std::string text = test::runMedpipe("slicer-xml median").out;
  text.replace(text.find("<version>"), 9, "<versio>");  // a misspelt required element
  writeText(xml, text);
  const auto v = validate(xml);
  EXPECT_NE(v.exitCode, 0);
  EXPECT_NE(v.err.find("versio"), std::string::npos) << v.err;
}

// What ModuleDescriptionParser checks beyond the schema: names and long flags are identifiers, and
// the file arguments' indices run 0, 1, 2... without gaps. Booleans can only be switched on from
// Slicer (it passes --flag when set), so every boolean must default to false.
TEST(SlicerModule, NamesFlagsIndicesAndBooleansFollowSlicersParser) {
  const std::regex identifier("^[A-Za-z_][A-Za-z0-9_]*$");
  const std::regex tag("<(name|longflag|index)>([^<]*)</(name|longflag|index)>");
  for (const Stage* stage : allStages()) {
    const std::string name = stage->spec().name;
    const std::string xml = test::runMedpipe("slicer-xml " + name).out;
    std::set<std::string> names;
    std::vector<int> indices;
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag); it != std::sregex_iterator(); ++it) {
      const std::string kind = (*it)[1], value = (*it)[2];
      if (kind == "index") {
        indices.push_back(std::stoi(value));
        continue;
      }
      const std::string id = kind == "longflag" ? value.substr(2) : value;
      EXPECT_EQ(value.rfind(kind == "longflag" ? "--" : "", 0), 0u) << name << ": " << value;
      EXPECT_TRUE(std::regex_match(id, identifier)) << name << ": " << kind << " '" << value << "'";
      if (kind == "name") {
        EXPECT_TRUE(names.insert(value).second) << name << ": duplicate name " << value;
      }
    }
    for (size_t i = 0; i < indices.size(); ++i) EXPECT_EQ(indices[i], static_cast<int>(i)) << name;
    EXPECT_EQ(indices.size(), stage->spec().inputs.size() + 1) << name;
    for (const auto& p : stage->spec().parameters) {
      if (p.type == ParameterType::Boolean) {
        EXPECT_FALSE(std::get<bool>(p.defaultValue)) << name << "." << p.name;
      }
    }
  }
}

TEST(SlicerModule, BinaryThresholdDescribesItsParametersAndFiles) {
  const std::string xml = test::runMedpipe("slicer-xml binary-threshold").out;
  EXPECT_NE(xml.find("<category>medpipe.Segment</category>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<image type=\"scalar\" fileExtensions=\".nrrd,.nii.gz\">\n      <name>image</name>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<image type=\"label\" fileExtensions=\".nrrd,.nii.gz\">\n      <name>output</name>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<name>lower</name>\n      <longflag>--lower</longflag>\n      <label>Lower</label>"),
            std::string::npos);
  EXPECT_NE(
      xml.find("<default>300</default>\n      <constraints><minimum>-1000000000</minimum><maximum>1000000000</maximum>"
               "<step>0.1</step></constraints>"),
      std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<integer>\n      <name>inside_value</name>\n      <longflag>--inside_value</longflag>\n      "
                     "<label>Inside value</label>"),
            std::string::npos);
  EXPECT_NE(xml.find("<minimum>1</minimum><maximum>255</maximum><step>1</step>"), std::string::npos);
  // Choices become a drop-down, seeds a list of LPS points.
  const std::string resample = test::runMedpipe("slicer-xml resample").out;
  EXPECT_NE(resample.find("<string-enumeration>\n      <name>interpolation</name>"), std::string::npos) << resample;
  EXPECT_NE(
      resample.find("<element>linear</element>\n      <element>bspline</element>\n      <element>nearest</element>"),
      std::string::npos);
  const std::string seeds = test::runMedpipe("slicer-xml connected-threshold").out;
  EXPECT_NE(seeds.find("<point multiple=\"true\" coordinateSystem=\"lps\">\n      <name>seeds</name>"),
            std::string::npos)
      << seeds;
  // An optional input comes after the output so the others keep their positions when it is unset.
  const std::string n4 = test::runMedpipe("slicer-xml n4-bias-correction").out;
  EXPECT_LT(n4.find("<name>output</name>"), n4.find("<name>mask</name>"));
  EXPECT_NE(n4.find("<label>Mask (optional)</label>"), std::string::npos);
}

TEST(SlicerModule, UnknownStageIsAnErrorWithASuggestion) {
  const auto r = test::runMedpipe("slicer-xml medain");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("did you mean 'median'"), std::string::npos) << r.err;
}

// slicer-cli against `medpipe run` of the same stage: the same files, voxel for voxel.
class SlicerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    PhantomSpec spec;
    spec.size = {64, 64, 12};
    spec.spacing = {5.0, 5.0, 6.0};
    phantom_ = makeBodyPhantom(spec);
    writeImage(*phantom_.image, dir_ / "ct.nrrd");
    writeLabelImage(*phantom_.labels, dir_ / "labels.nrrd");
  }

  // Runs `steps` (YAML under steps:, the step named "result") with medpipe run on ct.nrrd.
  fs::path runConfig(const std::string& steps, const std::string& file) {
    const fs::path config = dir_ / "config.yaml", out = dir_ / "run";
    writeText(config, "input: " + (dir_ / "ct.nrrd").string() + "\nsteps:\n" + steps +
                          "outputs:\n  - {step: result, file: " + file + "}\n");
    const auto r = test::runMedpipe("run " + quoted(config) + " --output " + quoted(out) + " --force --quiet");
    EXPECT_EQ(r.exitCode, 0) << r.err << r.out;
    return out / file;
  }

  Phantom phantom_;
  test::TempDir dir_{"slicer-cli"};
};

void expectSameImage(const fs::path& a, const fs::path& b) {
  const auto x = readImage(a), y = readImage(b);
  std::string why;
  EXPECT_TRUE(test::sameGeometry(*x, *y, 0, &why)) << why;
  ASSERT_EQ(x->GetBufferedRegion().GetNumberOfPixels(), y->GetBufferedRegion().GetNumberOfPixels());
  size_t differing = 0;
  for (size_t i = 0; i < x->GetBufferedRegion().GetNumberOfPixels(); ++i)
    differing += x->GetBufferPointer()[i] != y->GetBufferPointer()[i];
  EXPECT_EQ(differing, 0u) << a << " vs " << b;
}

TEST_F(SlicerCli, MedianByPositionEqualsTheSameStageInAConfig) {
  const auto r =
      test::runMedpipe("slicer-cli median --radius 5 " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "cli.nrrd"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("<filter-start><filter-name>median</filter-name></filter-start>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<filter-end>"), std::string::npos);
  const fs::path configured = runConfig("  result: {stage: median, input: input, radius: 5}\n", "run.nrrd");
  expectSameImage(dir_ / "cli.nrrd", configured);
  // The filter changed something: the comparison is not of two copies of the input.
  const auto input = readImage(dir_ / "ct.nrrd"), output = readImage(dir_ / "cli.nrrd");
  EXPECT_NE(test::maxDifference(*input, *output), 0.0);
}

TEST_F(SlicerCli, ThresholdWithNamedFlagsAndNiftiOutputEqualsTheConfig) {
  // --input/--output and the config's own spelling of a parameter (inside-value) work too.
  const auto r = test::runMedpipe("slicer-cli binary-threshold --lower 200 --upper 2000 --inside-value 3 --input " +
                                  quoted(dir_ / "ct.nrrd") + " --output " + quoted(dir_ / "cli.nii.gz"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path configured = runConfig(
      "  result: {stage: binary-threshold, input: input, lower: 200, upper: 2000, inside-value: 3}\n", "run.nii.gz");
  const auto a = readLabelImage(dir_ / "cli.nii.gz"), b = readLabelImage(configured);
  std::string why;
  EXPECT_TRUE(test::sameGeometry(*a, *b, 0, &why)) << why;
  size_t differing = 0, inside = 0;
  for (size_t i = 0; i < a->GetBufferedRegion().GetNumberOfPixels(); ++i) {
    differing += a->GetBufferPointer()[i] != b->GetBufferPointer()[i];
    inside += a->GetBufferPointer()[i] == 3;
  }
  EXPECT_EQ(differing, 0u);
  EXPECT_GT(inside, 0u);
}

TEST_F(SlicerCli, SeedsAsSlicerPassesThemEqualTheConfigsSeedList) {
  const auto r =
      test::runMedpipe("slicer-cli connected-threshold --seeds -38,-2,0 --seeds 38,-2,0 --lower -1000 --upper -500 " +
                       quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "cli.nrrd"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path configured = runConfig(
      "  result: {stage: connected-threshold, input: input, seeds: [[-38, -2, 0], [38, -2, 0]], lower: -1000, upper: "
      "-500}\n",
      "run.nrrd");
  expectSameImage(dir_ / "cli.nrrd", configured);
}

TEST_F(SlicerCli, TwoInputsAndATableOutputGiveTheConfigsCsv) {
  const auto r = test::runMedpipe("slicer-cli label-statistics " + quoted(dir_ / "ct.nrrd") + " " +
                                  quoted(dir_ / "labels.nrrd") + " " + quoted(dir_ / "cli.csv"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // A config has one input volume, so its label map is computed: compare slicer-cli's threshold and
  // statistics (files in between, as in Slicer) with the same two steps in a config.
  const auto t = test::runMedpipe("slicer-cli binary-threshold --lower 300 --upper 3000 " + quoted(dir_ / "ct.nrrd") +
                                  " " + quoted(dir_ / "bone.nrrd"));
  ASSERT_EQ(t.exitCode, 0) << t.err;
  const auto s = test::runMedpipe("slicer-cli label-statistics " + quoted(dir_ / "ct.nrrd") + " " +
                                  quoted(dir_ / "bone.nrrd") + " " + quoted(dir_ / "bone.csv"));
  ASSERT_EQ(s.exitCode, 0) << s.err;
  const fs::path configured = runConfig(
      "  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}\n"
      "  result: {stage: label-statistics, input: {image: input, labels: bone}}\n",
      "run.csv");
  EXPECT_EQ(readText(dir_ / "bone.csv"), readText(configured));
  EXPECT_NE(readText(dir_ / "cli.csv").find('\n'), std::string::npos);
  // Three phantom classes besides air: one row each.
  const std::string csv = readText(dir_ / "cli.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << csv;
}

TEST_F(SlicerCli, MistakesAreReportedWithTheParameterAndExitCode) {
  auto r =
      test::runMedpipe("slicer-cli median --radius 500 " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "x.nrrd"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("median.radius"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.nrrd"));
  r = test::runMedpipe("slicer-cli median --radios 1 " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "x.nrrd"));
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("radios"), std::string::npos) << r.err;
  r = test::runMedpipe("slicer-cli label-statistics " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "x.csv"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("missing file (order: image labels output)"), std::string::npos) << r.err;
  r = test::runMedpipe("slicer-cli median " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "x.csv"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("cannot hold image"), std::string::npos) << r.err;
  r = test::runMedpipe("slicer-cli median " + quoted(dir_ / "missing.nrrd") + " " + quoted(dir_ / "x.nrrd"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("missing.nrrd"), std::string::npos) << r.err;
}

TEST_F(SlicerCli, ProgressOnlyRisesAndEndsAtOne) {
  const auto r =
      test::runMedpipe("slicer-cli median --radius 5 " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "p.nrrd"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::regex line("<filter-progress>([^<]*)</filter-progress>");
  std::vector<double> values;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), line); it != std::sregex_iterator(); ++it)
    values.push_back(std::stod((*it)[1]));
  ASSERT_GE(values.size(), 2u) << r.out;
  for (size_t i = 1; i < values.size(); ++i) EXPECT_GE(values[i], values[i - 1] + 0.01 - 1e-9) << r.out;
  EXPECT_EQ(values.back(), 1.0);
}

// Slicer writes label maps as short: a value a uint8 label map cannot hold is refused, not wrapped.
TEST_F(SlicerCli, ALabelMapWithValuesAbove255IsRefused) {
  auto labels = readImage(dir_ / "labels.nrrd");
  labels->GetBufferPointer()[7] = 300;
  writeImage(*labels, dir_ / "wide.nrrd");
  const auto r =
      test::runMedpipe("slicer-cli fill-holes " + quoted(dir_ / "wide.nrrd") + " " + quoted(dir_ / "f.nrrd"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("wide.nrrd: labels: value 300 at voxel 7 is not a label (whole numbers 0..255)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "f.nrrd"));
}

TEST_F(SlicerCli, WrappersAnswerSlicersXmlQueryAndRunTheStage) {
  const auto r = test::runMedpipe("slicer-xml --wrappers " + quoted(dir_ / "modules"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path wrapper = dir_ / "modules" / "medpipe-median";
  ASSERT_TRUE(fs::exists(wrapper));
  size_t count = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_ / "modules")) ++count;
  EXPECT_EQ(count, allStages().size());
  const auto xml = test::runCommand(quoted(wrapper) + " --xml");
  EXPECT_EQ(xml.exitCode, 0);
  EXPECT_EQ(xml.out, test::runMedpipe("slicer-xml median").out);
  const auto run =
      test::runCommand(quoted(wrapper) + " --radius 5 " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "w.nrrd"));
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto direct =
      test::runMedpipe("slicer-cli median --radius 5 " + quoted(dir_ / "ct.nrrd") + " " + quoted(dir_ / "d.nrrd"));
  ASSERT_EQ(direct.exitCode, 0);
  expectSameImage(dir_ / "w.nrrd", dir_ / "d.nrrd");
}

}  // namespace
}  // namespace medpipe
