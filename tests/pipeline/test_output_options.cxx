// Output formats' options are declared parameters: YAML 1.1 booleans in any case, numbers that are
// numbers, every bad value reported by planPipeline with its position, the output, the option and
// what is allowed. Output paths stay inside the unit's folder. The input's fields are checked too.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/pipeline/batch_runner.h"
#include "medpipe/pipeline/output_formats.h"
#include "test_support.h"

namespace medpipe {
namespace {

std::vector<std::string> problemsOf(const std::string& yaml) {
  const PipelinePlan plan = planPipeline(parsePipelineConfig(yaml, "c.yaml"));
  std::vector<std::string> lines;
  for (const auto& p : plan.problems) lines.push_back(p.str());
  return lines;
}

bool deidentifyFlag(const std::string& spelled) {
  const PipelineConfig config = parsePipelineConfig(
      "input: /data\noutputs:\n  - {step: input, file: out, format: dicom, deidentify: " + spelled + "}\n", "c.yaml");
  const PipelinePlan plan = planPipeline(config);
  EXPECT_TRUE(plan.ok()) << spelled << ": " << plan.problems.front().str();
  return outputOptionValues(*findOutputFormat("dicom"), config.outputs.at(0)).flag("deidentify");
}

}  // namespace

TEST(OutputOptions, BooleansAreYaml11BooleansInAnyCase) {
  for (const char* yes : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "\"yes\""})
    EXPECT_TRUE(deidentifyFlag(yes)) << yes;
  for (const char* no : {"false", "False", "no", "No", "off", "OFF"}) EXPECT_FALSE(deidentifyFlag(no)) << no;
  // The same words mean the same for stage parameters.
  const ParameterSpec flag = ParameterSpec::flag("fully-connected", false, "");
  EXPECT_EQ(std::get<bool>(parseParameterText("s", flag, "Yes")), true);
  EXPECT_EQ(std::get<bool>(parseParameterText("s", flag, "OFF")), false);
}

TEST(OutputOptions, BadValuesAreReportedWithPositionOptionAndWhatIsAllowed) {
  const auto problems = problemsOf(R"(input: /data
steps:
  bone: {stage: binary-threshold, input: input}
outputs:
  - {step: input, file: a.png, format: preview, size: abc}
  - {step: input, file: b.png, format: preview, size: 12x}
  - {step: input, file: c.png, format: preview, size: 8}
  - {step: input, file: d.png, format: preview, window: ct-bones}
  - {step: bone, file: e.dcm, format: dicom, deidentify: maybe}
  - {step: bone, file: f.dcm, format: dicom, deidentfy: yes}
  - {step: input, file: g.png, format: preview, size: 128, window: "40,400"}
)");
  EXPECT_EQ(problems,
            (std::vector<std::string>{
                "c.yaml:5:55: step 'input': output 'a.png': option 'size': 'abc' is not a number (allowed: 16 .. 4096)",
                "c.yaml:6:55: step 'input': output 'b.png': option 'size': '12x' is not a number (allowed: 16 .. 4096)",
                "c.yaml:7:55: step 'input': output 'c.png': option 'size': 8 is out of range [16, 4096]",
                "c.yaml:8:57: step 'input': output 'd.png': option 'window': 'ct-bones' is not a preset (ct-soft-tissue, "
                "ct-bone, ct-lung, mr-default) nor LEVEL,WIDTH with WIDTH > 0",
                "c.yaml:9:58: step 'bone': output 'e.dcm': option 'deidentify': 'maybe' is not true or false (also "
                "yes/no, on/off, in any case)",
                "c.yaml:10:5: step 'bone': format 'dicom' has no option 'deidentfy' (did you mean 'deidentify'?)",
            }));
}

TEST(OutputOptions, EveryOptionIsCheckedByItsDeclaration) {
  for (const OutputFormat& format : allOutputFormats()) {
    for (const ParameterSpec& option : format.options) {
      // The default of every option is a valid value of it.
      EXPECT_NO_THROW(validateParameter(format.name, option, option.defaultValue)) << format.name << "." << option.name;
      EXPECT_FALSE(option.doc.empty()) << format.name << "." << option.name;
    }
  }
  const ParameterSpec size = ParameterSpec::integer("size", 256, 16, 4096, "");
  EXPECT_NO_THROW(validateParameter("preview", size, ParameterValue(16L)));
  try {
    validateParameter("preview", size, ParameterValue(std::string("big")));
    FAIL() << "a text is not an integer";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "preview.size: expected a integer, got 'big'");
  }
}

TEST(OutputOptions, OutputFormatsDocumentationListsEveryFormatAndOption) {
  const std::string docs = outputFormatsMarkdown();
  for (const OutputFormat& format : allOutputFormats()) {
    EXPECT_NE(docs.find("## `" + format.name + "`"), std::string::npos) << format.name;
    for (const ParameterSpec& option : format.options)
      EXPECT_NE(docs.find("| `" + option.name + "` | " + toString(option.type)), std::string::npos) << option.name;
  }
}

TEST(OutputPaths, MustStayInsideTheOutputFolder) {
  const auto problems = problemsOf(R"(input: /data
outputs:
  - {step: input, file: ../escaped.nii.gz}
  - {step: input, file: /tmp/x.nii.gz}
  - {step: input, file: sub/../../x.nii.gz}
  - {step: input, file: ., format: dicom}
  - {step: input, file: sub/../inside.nii.gz}
  - {step: input, file: sub/deeper/inside.nii.gz}
)");
  EXPECT_EQ(problems,
            (std::vector<std::string>{
                "c.yaml:3:25: step 'input': output '../escaped.nii.gz': 'file:' leads out of the output folder ('..')",
                "c.yaml:4:25: step 'input': output '/tmp/x.nii.gz': 'file:' must be relative to the output folder, not "
                "an absolute path",
                "c.yaml:5:25: step 'input': output 'sub/../../x.nii.gz': 'file:' leads out of the output folder ('..')",
                "c.yaml:6:25: step 'input': output '.': 'file:' names the output folder itself",
            }));
}

TEST(OutputPaths, SymbolicLinkInsideTheOutputFolderDoesNotCarryAWriteOutside) {
  test::TempDir dir("output-symlink");
  PhantomSpec spec;
  spec.size = {16, 16, 4};
  writeImage(*makeBodyPhantom(spec).image, dir / "ct.nii.gz");
  std::filesystem::create_directories(dir / "out");
  std::filesystem::create_directories(dir / "elsewhere");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "out" / "link");
  const PipelineConfig config = parsePipelineConfig("input: ${d}/ct.nii.gz\noutputs:\n  - {step: input, file: link/x.nii.gz}\n",
                                                    "c.yaml", {}, {{"d", dir.path().string()}});
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok()) << plan.problems.front().str();  // the config alone cannot know about the link
  BatchOptions options;
  options.outputFolder = dir / "out";
  const auto outcomes = runBatch(config, plan, planWorkUnits(config), options);
  ASSERT_FALSE(outcomes.at(0).ok);
  EXPECT_EQ(outcomes[0].error, (dir / "out" / "link" / "x.nii.gz").string() + ": output 'link/x.nii.gz': leads out of the output folder " +
                                   (dir / "out").string() + " (through a symbolic link)");
  EXPECT_TRUE(std::filesystem::is_empty(dir / "elsewhere"));
}

TEST(InputFields, SeriesSelectorAndInputKindAreCheckedBeforeAnyImageIsRead) {
  EXPECT_EQ(problemsOf("input:\n  path: /data\n  series: modalty=CT\n"),
            std::vector<std::string>{
                "c.yaml:3:11: input.series: unknown selector 'modalty' (use uid=, number=, description= or modality=)"});
  EXPECT_EQ(problemsOf("input: {path: /data, series: number=three}\n"),
            std::vector<std::string>{"c.yaml:1:30: input.series: number 'three' is not a series number (digits only)"});
  EXPECT_EQ(problemsOf("input: /data/ct.nii.gz\noutputs:\n  - {step: input, file: copy, format: dicom}\n"),
            std::vector<std::string>{"c.yaml:3:39: step 'input': output 'copy': format 'dicom' needs a DICOM input "
                                     "series, the input is an image file"});
  const PipelinePlan plan = planPipeline(parsePipelineConfig("input: /data\n", "c.yaml", {"input.series=modalty=CT"}));
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0].str(), "override: input.series: unknown selector 'modalty' (use uid=, number=, description= or modality=)");
}

}  // namespace medpipe
