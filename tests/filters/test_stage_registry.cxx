// The stage registry refuses what it cannot trust: a second stage of a taken name, and a stage that
// produces another kind of data than its declaration says. Every category shows in the overview.
#include <gtest/gtest.h>

#include "stage_test_support.h"

#include <memory>
#include <set>
#include <string>

#include "medpipe/filters/stage.h"
#include "medpipe/filters/stage_docs.h"

namespace medpipe {

using test::errorOf;
namespace {

// A stage whose declaration and behaviour are set by the test: it returns `produced` whatever it declares.
class TestStage : public Stage {
 public:
  TestStage(std::string name, DataKind declared, StageData produced)
      : spec_{std::move(name), StageCategory::Utility, "a test stage", {{"image", DataKind::Image, "any image"}},
              declared, {}, ""},
        produced_(std::move(produced)) {}
  const StageSpec& spec() const override { return spec_; }
  StageData run(const StageInputs&, const ParameterValues&, const Progress&) const override { return produced_; }

 private:
  StageSpec spec_;
  StageData produced_;
};

ImageF::Pointer tinyImage() {
  auto image = ImageF::New();
  image->SetRegions(ImageF::RegionType(ImageF::SizeType{{4, 4, 4}}));
  image->Allocate();
  image->FillBuffer(1);
  return image;
}

LabelImage::Pointer tinyLabels() {
  auto labels = LabelImage::New();
  labels->SetRegions(LabelImage::RegionType(LabelImage::SizeType{{4, 4, 4}}));
  labels->Allocate();
  labels->FillBuffer(1);
  return labels;
}

}  // namespace

TEST(StageRegistry, ADuplicateNameIsRefusedAndTheFirstStageStays) {
  const size_t before = allStages().size();
  EXPECT_EQ(errorOf([] {
              registerStage(std::make_unique<TestStage>("median", DataKind::Image, StageData{tinyImage(), nullptr, nullptr}));
            }),
            "stage: stage 'median' is registered twice");
  EXPECT_EQ(allStages().size(), before);
  EXPECT_EQ(findStage("median").spec().category, StageCategory::Denoise);  // still the built-in median
  EXPECT_EQ(errorOf([] {
              registerStage(std::make_unique<TestStage>("", DataKind::Image, StageData{tinyImage(), nullptr, nullptr}));
            }),
            "stage: a stage has no name");
}

TEST(StageRegistry, AStageThatProducesAnotherKindThanDeclaredIsAnErrorNamingIt) {
  const StageInputs in{{"image", {tinyImage(), nullptr, nullptr}}};
  const TestStage labelsForImage("says-image", DataKind::Image, {nullptr, tinyLabels(), nullptr});
  EXPECT_EQ(errorOf([&] { runStage(labelsForImage, in, {}); }),
            "says-image: produced labels, but its declaration says image (a bug in the stage)");
  const TestStage nothing("says-labels", DataKind::Labels, {});
  EXPECT_EQ(errorOf([&] { runStage(nothing, in, {}); }),
            "says-labels: produced no single output, but its declaration says labels (a bug in the stage)");
  const TestStage both("says-table", DataKind::Table, {tinyImage(), tinyLabels(), nullptr});
  EXPECT_EQ(errorOf([&] { runStage(both, in, {}); }),
            "says-table: produced no single output, but its declaration says table (a bug in the stage)");
  const TestStage honest("says-labels-too", DataKind::Labels, {nullptr, tinyLabels(), nullptr});
  EXPECT_EQ(runStage(honest, in, {}).kind(), DataKind::Labels);
}

TEST(StageRegistry, EveryStageIsListedUnderItsCategory) {
  const std::string overview = stageOverview(), markdown = stagesMarkdown();
  for (const StageCategory category : kStageCategories) {
    EXPECT_NE(overview.find(std::string(toString(category)) + ":\n"), std::string::npos) << toString(category);
    EXPECT_NE(markdown.find(std::string("\n## ") + toString(category) + "\n"), std::string::npos) << toString(category);
  }
  std::set<std::string> names;
  for (const Stage* stage : allStages()) {
    const std::string& name = stage->spec().name;
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_NE(overview.find("  " + name + " "), std::string::npos) << name;
    EXPECT_NE(markdown.find("### `" + name + "`"), std::string::npos) << name;
    EXPECT_NE(describeStage(stage->spec()).find(name + " (" + toString(stage->spec().category) + "): "),
              std::string::npos);
  }
}

}  // namespace medpipe
