// `medpipe schema` against the config reader: Debian's python3-jsonschema accepts every shipped
// config and every stage's example, refuses configs with known mistakes, and on each hand-written
// config agrees with `medpipe validate`.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "medpipe/filters/stage.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string indented(const std::string& text) {
  std::string out = "  ";
  for (size_t i = 0; i < text.size(); ++i)
    out += text[i] + std::string(text[i] == '\n' && i + 1 < text.size() ? "  " : "");
  return out;
}

// Hand-written configs: name -> (YAML, whether medpipe accepts it).
struct Case {
  std::string yaml;
  bool valid;
};

std::map<std::string, Case> handWrittenCases() {
  const std::string head = "input: /data/ct.nrrd\nsteps:\n";
  return {
      // Valid: YAML 1.1 booleans as PyYAML reads them (YES -> true) and as text ("off", "True").
      {"bool-yes",
       {head +
            "  m: {stage: binary-threshold, input: input}\n  f: {stage: fill-holes, input: m, fully-connected: YES}\n",
        true}},
      {"bool-text",
       {head + "  m: {stage: binary-threshold, input: input}\n  f: {stage: fill-holes, input: m, fully-connected: "
               "\"off\"}\n"
               "  g: {stage: fill-holes, input: m, fully-connected: \"True\"}\n",
        true}},
      {"variable", {"variables: {r: 2}\n" + head + "  s: {stage: median, input: input, radius: \"${r}\"}\n", true}},
      {"seed-text",
       {head +
            "  l: {stage: connected-threshold, input: input, seeds: \"-38,-2,0;38,-2,0\", lower: -1000, upper: -500}\n",
        true}},
      {"seed-voxels",
       {head + "  l: {stage: connected-threshold, input: input, seeds: {voxel: [[10, 10, 5]]}}\n", true}},
      {"preview-option",
       {head + "  b: {stage: binary-threshold, input: input}\noutputs:\n"
               "  - {step: b, file: b.png, format: preview, window: ct-bone}\n  - {step: input, file: v.nrrd}\n",
        true}},
      {"two-inputs",
       {head + "  b: {stage: binary-threshold, input: input}\n  s: {stage: label-statistics, input: {image: input, "
               "labels: b}}\n"
               "outputs:\n  - {step: s, file: s.csv}\n",
        true}},
      // Invalid: one known mistake each.
      {"unknown-stage", {head + "  s: {stage: medain, input: input}\n", false}},
      {"wrong-type", {head + "  s: {stage: median, input: input, radius: big}\n", false}},
      {"out-of-range", {head + "  s: {stage: median, input: input, radius: 500}\n", false}},
      {"unknown-parameter", {head + "  s: {stage: median, input: input, radios: 1}\n", false}},
      {"bad-choice", {head + "  s: {stage: resample, input: input, interpolation: cubic}\n", false}},
      {"fractional-integer",
       {head + "  b: {stage: binary-threshold, input: input}\n  c: {stage: connected-components, input: b, "
               "keep-largest: 1.5}\n",
        false}},
      {"bad-boolean",
       {head + "  b: {stage: binary-threshold, input: input}\n  f: {stage: fill-holes, input: b, fully-connected: "
               "maybe}\n",
        false}},
      {"missing-required", {head + "  l: {stage: connected-threshold, input: input}\n", false}},
      {"unknown-input-slot",
       {head + "  b: {stage: binary-threshold, input: input}\n  s: {stage: label-statistics, input: {image: input, "
               "mask: b}}\n",
        false}},
      {"unknown-section", {head + "  s: {stage: median, input: input}\nouputs: []\n", false}},
      {"unknown-output-option",
       {head + "  b: {stage: binary-threshold, input: input}\noutputs:\n  - {step: b, file: b.png, format: preview, "
               "colour: red}\n",
        false}},
      {"bad-output-extension",
       {head + "  b: {stage: binary-threshold, input: input}\noutputs:\n  - {step: b, file: b.txt}\n", false}},
      {"step-named-input", {head + "  input: {stage: median}\n", false}},
      // The cohort: section, from medpipe::cohort's declarations.
      {"cohort-section",
       {head + "  s: {stage: median, input: input}\ncohort:\n  outliers: {mahalanobis: no}\n  cluster: {k: 3, columns: [a, b]}\n"
               "  train: {target: 'o.csv:y', model: m.json, folds: 3}\n  predict: {model: m.json}\n",
        true}},
      {"cohort-out-of-range", {head + "  s: {stage: median, input: input}\ncohort:\n  outliers: {z: -2}\n", false}},
      {"cohort-bad-k", {head + "  s: {stage: median, input: input}\ncohort:\n  cluster: {k: 1}\n", false}},
      {"cohort-unknown-command", {head + "  s: {stage: median, input: input}\ncohort:\n  clusters: {k: 3}\n", false}},
      {"cohort-missing-model", {head + "  s: {stage: median, input: input}\ncohort:\n  predict: {}\n", false}},
  };
}

class ConfigSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::runCommand(std::string(MEDPIPE_SYSTEM_PYTHON) + " -c 'import jsonschema, yaml'").exitCode != 0)
      GTEST_SKIP() << MEDPIPE_SYSTEM_PYTHON " lacks jsonschema or yaml (Debian: python3-jsonschema python3-yaml)";
    const auto r = test::runMedpipe("schema");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    writeText(schema_ = dir_ / "schema.json", r.out);
  }

  // The checker's verdict per file: "valid" or "invalid <path>: <reason>".
  std::map<fs::path, std::string> check(const std::vector<fs::path>& files) {
    std::string command = std::string(MEDPIPE_SYSTEM_PYTHON) + " " +
                          MEDPIPE_SOURCE_DIR "/tests/interop/check_config_schema.py " + quoted(schema_);
    for (const auto& f : files) command += " " + quoted(f);
    const auto r = test::runCommand(command);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    std::map<fs::path, std::string> verdicts;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      for (const auto& f : files)
        if (line == "valid " + f.string() || line.rfind("invalid " + f.string() + ":", 0) == 0) verdicts[f] = line;
    }
    EXPECT_EQ(verdicts.size(), files.size()) << r.out << r.err;
    return verdicts;
  }

  test::TempDir dir_{"config-schema"};
  fs::path schema_;
};

TEST_F(ConfigSchema, ShippedConfigsAndStageExamplesValidate) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(MEDPIPE_SOURCE_DIR) / "configs"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  ASSERT_GE(files.size(), 4u);
  for (const Stage* stage : allStages()) {
    const fs::path example = dir_ / ("example-" + stage->spec().name + ".yaml");
    writeText(example, "steps:\n" + indented(stage->spec().example));
    files.push_back(example);
  }
  for (const auto& [file, verdict] : check(files)) EXPECT_EQ(verdict, "valid " + file.string());
}

TEST_F(ConfigSchema, AgreesWithMedpipeValidateOnKnownMistakesAndEdgeCases) {
  std::vector<fs::path> files;
  std::map<fs::path, bool> expected;
  for (const auto& [name, c] : handWrittenCases()) {
    const fs::path file = dir_ / (name + ".yaml");
    writeText(file, c.yaml);
    files.push_back(file);
    expected[file] = c.valid;
  }
  for (const auto& [file, verdict] : check(files)) {
    const bool schemaSaysValid = verdict.rfind("valid ", 0) == 0;
    EXPECT_EQ(schemaSaysValid, expected[file]) << verdict;
    const auto medpipe = test::runMedpipe("validate " + quoted(file));
    EXPECT_EQ(medpipe.exitCode == 0, expected[file]) << file << ": medpipe validate says\n" << medpipe.err;
  }
}

TEST_F(ConfigSchema, DescribesStagesWithTypesRangesEnumsAndDefaults) {
  const std::string schema = test::runMedpipe("schema").out;
  EXPECT_NE(schema.find("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""), std::string::npos);
  EXPECT_NE(schema.find("\"median\": {\n        \"title\": \"median\""), std::string::npos) << schema.substr(0, 3000);
  // median.radius: number, 0.01..50 mm, default 1.
  const auto radius = schema.find("\"radius\": {", schema.find("\"title\": \"median\""));
  ASSERT_NE(radius, std::string::npos);
  const std::string block = schema.substr(radius, 600);
  EXPECT_NE(block.find("[mm] (default 1)"), std::string::npos) << block;
  EXPECT_NE(block.find("\"type\": \"number\",\n                \"minimum\": 0.01"), std::string::npos) << block;
  EXPECT_NE(block.find("\"maximum\": 50"), std::string::npos) << block;
  EXPECT_NE(schema.find("\"enum\": [\n                  \"linear\",\n                  \"bspline\",\n                  "
                        "\"nearest\"\n"),
            std::string::npos);
}

}  // namespace
}  // namespace medpipe
