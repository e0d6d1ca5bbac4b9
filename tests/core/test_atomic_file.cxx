#include <gtest/gtest.h>

#include <fstream>

#include "medpipe/core/atomic_file.h"
#include "test_support.h"

namespace medpipe {

TEST(AtomicFile, KeepsTheExtensionAndRenamesIntoPlace) {
  test::TempDir dir("atomic");
  const auto target = dir / "volume.nii.gz";
  std::filesystem::path seen;
  writeAtomically(target, [&](const std::filesystem::path& tmp) {
    seen = tmp;
    std::ofstream(tmp) << "data";
  });
  const std::string name = seen.filename().string();
  EXPECT_EQ(name.substr(name.size() - 7), ".nii.gz") << name;
  EXPECT_EQ(name[0], '.') << "temporary files are hidden";
  EXPECT_EQ(seen.parent_path(), target.parent_path());
  EXPECT_TRUE(std::filesystem::exists(target));
  EXPECT_FALSE(std::filesystem::exists(seen));
}

TEST(AtomicFile, FailedWriteLeavesNoFileAndKeepsTheOldOne) {
  test::TempDir dir("atomic-fail");
  const auto target = dir / "out.nrrd";
  std::ofstream(target) << "old";
  EXPECT_THROW(writeAtomically(target,
                               [](const std::filesystem::path& tmp) {
                                 std::ofstream(tmp) << "partial";
                                 throw std::runtime_error("disk full");
                               }),
               std::runtime_error);
  std::ifstream in(target);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

}  // namespace medpipe
