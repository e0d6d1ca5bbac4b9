// medpipe export-mesh: geometry in LPS or RAS millimetres, outward triangles, the SPACE marker 3D
// Slicer reads, and errors. The phantom's bone label is the spine (x in -12..12, y in 33..57) and
// the arm bone (x in 62..78), both running through all 160 mm of the volume.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "render_fixtures.h"

namespace medpipe {
namespace {

using test::PhantomFiles;
using test::TempDir;
namespace fs = std::filesystem;

struct ObjMesh {
  std::string firstLine;
  std::vector<std::array<double, 3>> vertices;
  std::vector<std::array<size_t, 3>> triangles;
};

ObjMesh readObj(const fs::path& path) {
  ObjMesh mesh;
  std::ifstream in(path);
  std::getline(in, mesh.firstLine);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "v") {
      std::array<double, 3> v{};
      fields >> v[0] >> v[1] >> v[2];
      mesh.vertices.push_back(v);
    } else if (kind == "f") {
      std::array<size_t, 3> t{};
      for (auto& index : t) {
        std::string item;
        fields >> item;
        index = std::stoul(item.substr(0, item.find('/'))) - 1;
      }
      mesh.triangles.push_back(t);
    }
  }
  return mesh;
}

// Positive for a closed surface whose triangles face outwards; its magnitude is the volume.
double signedVolume(const ObjMesh& m) {
  double volume = 0;
  for (const auto& t : m.triangles) {
    const auto &a = m.vertices[t[0]], &b = m.vertices[t[1]], &c = m.vertices[t[2]];
    volume += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
               a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
  }
  return volume;
}

std::array<double, 2> range(const ObjMesh& m, unsigned axis) {
  std::array<double, 2> r{1e9, -1e9};
  for (const auto& v : m.vertices) r[0] = std::min(r[0], v[axis]), r[1] = std::max(r[1], v[axis]);
  return r;
}

class MeshExportTest : public test::SmallPhantomSuite {
 protected:
  static test::CommandResult exportMesh(const std::string& name, const std::string& options) {
    return test::runMedpipe("export-mesh " + test::quoted(files_->labels) + " -o " + test::quoted(*dir_ / name) + " " +
                            options);
  }
};

TEST_F(MeshExportTest, BoneLabelInLpsByDefault) {
  const auto r = exportMesh("bone.obj", "--label 3");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const ObjMesh mesh = readObj(*dir_ / "bone.obj");
  EXPECT_NE(mesh.firstLine.find("SPACE=LPS"), std::string::npos) << mesh.firstLine;
  const auto x = range(mesh, 0), y = range(mesh, 1), z = range(mesh, 2);
  std::cout << "[ measured ] bone mesh LPS x " << x[0] << ".." << x[1] << ", y " << y[0] << ".." << y[1] << ", z "
            << z[0] << ".." << z[1] << "\n";
  EXPECT_NEAR(x[1], 78, 3) << "arm bone's lateral edge on the patient's left (+x)";
  EXPECT_NEAR(x[0], -12, 3) << "spine's right edge";
  EXPECT_NEAR(y[1], 57, 3) << "spine's posterior edge (+y)";
  EXPECT_NEAR(z[1] - z[0], 160, 6) << "closed at the ends of the volume";
  // Spine (r 12 mm) and arm bone (r 8 mm) cylinders, 160 mm long: pi (144 + 64) 160 mm^3.
  const double expected = 3.14159265 * (144 + 64) * 160;
  const double volume = signedVolume(mesh);
  std::cout << "[ measured ] bone mesh volume " << volume << " mm^3, cylinders " << expected << " mm^3\n";
  EXPECT_GT(volume, 0) << "triangles must face outwards";
  EXPECT_NEAR(volume, expected, 0.1 * expected);
}

TEST_F(MeshExportTest, RasNegatesXAndYAndSaysSo) {
  const auto r = exportMesh("bone-ras.obj", "--label 3 --space ras");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const ObjMesh mesh = readObj(*dir_ / "bone-ras.obj");
  EXPECT_NE(mesh.firstLine.find("SPACE=RAS"), std::string::npos) << mesh.firstLine;
  EXPECT_NEAR(range(mesh, 0)[0], -78, 3);
  EXPECT_NEAR(range(mesh, 1)[0], -57, 3);
  EXPECT_GT(signedVolume(mesh), 0) << "a 180-degree rotation keeps triangles facing outwards";
}

TEST_F(MeshExportTest, BinaryStlCarriesTheSpaceMarkerInItsHeader) {
  const auto r = exportMesh("all.stl", "--space ras");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream in(*dir_ / "all.stl", std::ios::binary);
  std::string header(80, '\0');
  in.read(&header[0], 80);
  std::uint32_t triangles = 0;
  in.read(reinterpret_cast<char*>(&triangles), 4);
  EXPECT_NE(header.find("SPACE=RAS"), std::string::npos) << header;
  EXPECT_GT(triangles, 1000u);
  EXPECT_EQ(fs::file_size(*dir_ / "all.stl"), 84 + 50 * static_cast<std::uintmax_t>(triangles));
}

TEST_F(MeshExportTest, VtpCarriesSlicersSpaceFieldAndLabels) {
  const auto r = exportMesh("all.vtp", "");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream in(*dir_ / "all.vtp");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("Name=\"SPACE\""), std::string::npos);
  EXPECT_NE(text.str().find("Name=\"label\""), std::string::npos);
}

TEST_F(MeshExportTest, MissingLabelAndUnknownFormatAreErrors) {
  const auto missing = exportMesh("none.stl", "--label 9");
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.err.find("label 9 is not in the label map (present: 1, 2, 3)"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(*dir_ / "none.stl"));
  const auto format = exportMesh("mesh.ply", "");
  EXPECT_EQ(format.exitCode, 1);
  EXPECT_NE(format.err.find("use .stl, .obj or .vtp"), std::string::npos) << format.err;
}

}  // namespace
}  // namespace medpipe
