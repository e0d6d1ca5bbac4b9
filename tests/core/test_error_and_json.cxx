#include <gtest/gtest.h>

#include <sstream>

#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/core/progress.h"

namespace medpipe {

TEST(Error, FormatsPathFieldAndReasonOnOneLine) {
  EXPECT_EQ(Error("/data/IM1", "PixelSpacing", "missing").what(), std::string("/data/IM1: PixelSpacing: missing"));
  EXPECT_EQ(Error("/data", "", "no DICOM images found").what(), std::string("/data: no DICOM images found"));
  EXPECT_EQ(Error("", "--format", "bad").what(), std::string("--format: bad"));
}

TEST(JsonWriter, WritesNestedValuesWithEscapes) {
  std::ostringstream out;
  JsonWriter json(out);
  json.beginObject().field("name", "a\"b\\c\n").field("n", 3).field("x", 0.5).field("ok", true);
  json.array("v", std::vector<double>{1, 2});
  json.key("empty").beginArray().endArray().endObject();
  EXPECT_EQ(out.str(),
            "{\n  \"name\": \"a\\\"b\\\\c\\n\",\n  \"n\": 3,\n  \"x\": 0.5,\n  \"ok\": true,\n"
            "  \"v\": [\n    1,\n    2\n  ],\n  \"empty\": []\n}\n");
}

TEST(Progress, ReportsAndThrowsOnceCancelled) {
  double last = -1;
  Progress progress([&](double f, const std::string&) { last = f; });
  progress.report(0.5);
  EXPECT_DOUBLE_EQ(last, 0.5);
  progress.cancel();
  EXPECT_THROW(progress.report(0.6), Error);
  EXPECT_DOUBLE_EQ(last, 0.5);
}

}  // namespace medpipe
