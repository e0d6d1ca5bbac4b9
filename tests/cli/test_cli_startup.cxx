// What a command loads: convert and scan map neither VTK (medpipe-render's alone) nor libtorch (a
// plugin loaded on the first deep-learning call), read from the dynamic loader's own account of
// every library it maps (LD_DEBUG=files: at start and by dlopen).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.h"

namespace medpipe {
namespace {

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

// Every library the loader mapped while running `command` (its LD_DEBUG=files log, all processes).
std::string loadedLibraries(const test::TempDir& dir, const std::string& command, int expectedExit) {
  const auto log = dir / "ld";
  const auto r = test::runCommand("LD_DEBUG=files LD_DEBUG_OUTPUT=" + quoted(log) + " " + command);
  EXPECT_EQ(r.exitCode, expectedExit) << command << "\n" << r.err;
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("ld.", 0) != 0) continue;
    std::ifstream in(entry.path());
    all += std::string(std::istreambuf_iterator<char>(in), {});
    std::filesystem::remove(entry.path());
  }
  return all;
}

TEST(CliStartup, ConvertAndScanLoadNeitherVtkNorLibtorch) {
  test::TempDir dir("cli-startup");
  PhantomSpec spec;
  spec.size = {32, 32, 8};
  test::writePhantomSeries(spec, dir / "dicom");
  const std::string exe = MEDPIPE_EXE;
  const std::string convert = loadedLibraries(
      dir, exe + " convert " + quoted(dir / "dicom") + " -o " + quoted(dir / "out") + " --format nii", 0);
  ASSERT_NE(convert.find("libITKCommon"), std::string::npos) << "the loader's log names the libraries it maps";
  EXPECT_EQ(convert.find("libvtk"), std::string::npos) << "convert mapped VTK";
  EXPECT_EQ(convert.find("libtorch"), std::string::npos) << "convert mapped libtorch";
  const std::string scan = loadedLibraries(dir, exe + " scan " + quoted(dir / "dicom"), 0);
  EXPECT_EQ(scan.find("libvtk"), std::string::npos) << "scan mapped VTK";
  EXPECT_EQ(scan.find("libtorch"), std::string::npos) << "scan mapped libtorch";
  EXPECT_TRUE(std::filesystem::exists(dir / "out"));

  // The same account does show VTK where it is loaded: medpipe-render, beside medpipe in VTK builds.
  const auto helper = std::filesystem::path(exe).parent_path() / "medpipe-render";
  if (!std::filesystem::exists(helper)) GTEST_SKIP() << "built without VTK: no medpipe-render to compare with";
  EXPECT_NE(loadedLibraries(dir, quoted(helper), 2).find("libvtkRenderingCore"), std::string::npos);
}

}  // namespace
}  // namespace medpipe
