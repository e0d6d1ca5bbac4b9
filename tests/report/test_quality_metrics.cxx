// quality-metrics: every metric against tests/report/quality_reference.py
// (numpy, straight from the formulas) on synthetic images to 1e-6;
// self-computed masks against the true ones; CT on phantoms with known noise,
// offset, truncation and metal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "medpipe/core/error.h"
#include "medpipe/filters/stage.h"
#include "medpipe/phantom/body_phantom.h"
#include "test_support.h"

namespace medpipe {
namespace {

namespace fs = std::filesystem;

struct Volume {
  ImageF::Pointer image = ImageF::New();
  LabelImage::Pointer labels = LabelImage::New();
  ImageF::Pointer corrected;
  long nx, ny, nz;
  double sx, sy, sz;
  Volume(long x, long y, long z, double spacingX, double spacingY, double spacingZ)
      : nx(x), ny(y), nz(z), sx(spacingX), sy(spacingY), sz(spacingZ) {
    const double spacing[3] = {sx, sy, sz};
    for (itk::ImageBase<3>* grid : {static_cast<itk::ImageBase<3>*>(image), static_cast<itk::ImageBase<3>*>(labels)}) {
      grid->SetRegions(ImageF::SizeType{{size_t(nx), size_t(ny), size_t(nz)}});
      grid->SetSpacing(spacing);
    }
    image->Allocate();
    labels->Allocate();
    labels->FillBuffer(0);
  }
  size_t index(long x, long y, long z) const { return size_t(x + nx * (y + ny * z)); }
};

template <typename T>
void writeRaw(const fs::path& path, const T* data, size_t count) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
}

// Runs the numpy reference on `volume` (labels as given) and returns its
// metrics by name.
std::map<std::string, double> reference(const std::string& kind, const Volume& v) {
  test::TempDir dir("quality-reference");
  const size_t n = size_t(v.nx * v.ny * v.nz);
  writeRaw(dir / "image.f32", v.image->GetBufferPointer(), n);
  writeRaw(dir / "labels.u8", v.labels->GetBufferPointer(), n);
  if (v.corrected) writeRaw(dir / "corrected.f32", v.corrected->GetBufferPointer(), n);
  std::ostringstream command;
  command << "/usr/bin/python3 " << MEDPIPE_SOURCE_DIR << "/tests/report/quality_reference.py " << kind << " "
          << dir.path() << " " << v.nx << " " << v.ny << " " << v.nz << " " << v.sx << " " << v.sy;
  const auto result = test::runCommand(command.str());
  EXPECT_EQ(result.exitCode, 0) << result.err;
  std::map<std::string, double> values;
  std::istringstream lines(result.out);
  std::string name;
  double value;
  while (lines >> name >> value) values[name] = value;
  return values;
}

std::shared_ptr<const LabelTable> qualityTable(const Volume& v, bool withLabels,
                                               const std::map<std::string, ParameterValue>& parameters = {}) {
  StageInputs inputs{{"image", {v.image, nullptr, nullptr}}};
  if (withLabels) inputs["labels"] = {nullptr, v.labels, nullptr};
  if (v.corrected) inputs["corrected"] = {v.corrected, nullptr, nullptr};
  return runStage(findStage("quality-metrics"), inputs, parameters).table;
}

void expectMatches(const LabelTable& table, const std::map<std::string, double>& expected) {
  ASSERT_FALSE(expected.empty());
  for (const auto& [name, value] : expected) {
    double actual;
    if (name.rfind("wed-mm-", 0) == 0) {
      actual = table.at(1 + std::stoul(name.substr(7)), "wed-mm");  // per-slice row
    } else {
      actual = table.at(0, name);
    }
    EXPECT_NEAR(actual, value, 1e-6 * std::max(1.0, std::abs(value))) << name;
  }
}

double sq(double v) { return v * v; }

// A head: GM ellipsoid around WM around CSF ventricles, Rician-like background
// with one bright artefact block, a linear bias along x (image = corrected x
// bias).
Volume syntheticMr(double noise) {
  Volume v(40, 36, 20, 1.0, 1.1, 1.2);
  v.corrected = ImageF::New();
  v.corrected->CopyInformation(v.image);
  v.corrected->SetRegions(v.image->GetLargestPossibleRegion());
  v.corrected->Allocate();
  std::mt19937 random(7);
  std::normal_distribution<double> gauss(0, 1);
  for (long z = 0; z < v.nz; ++z)
    for (long y = 0; y < v.ny; ++y)
      for (long x = 0; x < v.nx; ++x) {
        const double dx = x - 19.5, dy = y - 17.5, dz = z - 9.5;
        std::uint8_t label = 0;
        if (sq(dx / 16) + sq(dy / 14) + sq(dz / 8) <= 1) label = 2;
        if (sq(dx / 10) + sq(dy / 9) + sq(dz / 5) <= 1) label = 3;
        if (sq(dx / 5) + sq(dy / 5) + sq(dz / 3) <= 1) label = 1;
        const double truth[4] = {0, 250, 600, 900};
        double value =
            label ? truth[label] + noise * gauss(random) : std::hypot(10 * gauss(random), 10 * gauss(random));
        if (x >= 1 && x <= 3 && y >= 1 && y <= 3 && z >= 1 && z <= 3) value = 400;  // artefact in the air
        const size_t i = v.index(x, y, z);
        v.labels->GetBufferPointer()[i] = label;
        v.corrected->GetBufferPointer()[i] = float(value);
        v.image->GetBufferPointer()[i] = float(value * (0.9 + 0.2 * x / double(v.nx)));
      }
  return v;
}

TEST(QualityMetrics, MrMetricsMatchTheNumpyReference) {
  const Volume v = syntheticMr(40);
  const auto table = qualityTable(v, true);
  ASSERT_EQ(table->rows.size(), 1u);
  EXPECT_EQ(table->at(0, "modality"), 2);
  const auto expected = reference("mr", v);
  EXPECT_EQ(expected.size(), 20u);
  expectMatches(*table, expected);
  EXPECT_NEAR(table->at(0, "qi1"),
              7.0 / double(std::count(v.labels->GetBufferPointer(), v.labels->GetBufferPointer() + 40 * 36 * 20, 0)),
              1e-12);  // the 3x3x3 block opens to its centre cross of 7 voxels
  EXPECT_GT(table->at(0, "inu-range"), 0.1);
}

TEST(QualityMetrics, MrWithoutLabelsFindsTheTrueHeadAndTissues) {
  const Volume v = syntheticMr(20);
  const auto given = qualityTable(v, true), computed = qualityTable(v, false);
  for (size_t c = 0; c < given->columns.size(); ++c)
    EXPECT_DOUBLE_EQ(computed->rows[0][c], given->rows[0][c]) << given->columns[c];
}

TEST(QualityMetrics, MrT2ContrastNamesTheClassesTheOtherWayRound) {
  Volume v = syntheticMr(20);
  const auto t1 = qualityTable(v, false);
  const auto t2 = qualityTable(v, false, {{"tissue-contrast", std::string("t2")}});
  EXPECT_DOUBLE_EQ(t2->at(0, "snr-csf"), t1->at(0, "snr-wm"));
  EXPECT_DOUBLE_EQ(t2->at(0, "snr-wm"), t1->at(0, "snr-csf"));
}

TEST(QualityMetrics, CtMetricsMatchTheNumpyReference) {
  Volume v(32, 28, 5, 0.7, 0.8, 2.0);
  std::mt19937 random(3);
  std::normal_distribution<double> gauss(0, 1);
  for (long z = 0; z < v.nz; ++z)
    for (long y = 0; y < v.ny; ++y)
      for (long x = 0; x < v.nx; ++x) {
        const double rx = z == 4 ? 17 : 13, dx = x - 15.5, dy = y - 13.5;
        const bool body = sq(dx / rx) + sq(dy / 10) <= 1;
        double value = body ? 40 + 15 * gauss(random) : -1000 + 15 * gauss(random);
        if (body && sq(dx - 4) + sq(dy) <= 4) value = 700 + 15 * gauss(random);
        if (z == 2 && x >= 10 && x < 12 && y >= 12 && y < 14) value = 3071;
        const size_t i = v.index(x, y, z);
        v.image->GetBufferPointer()[i] = float(std::nearbyint(std::clamp(value, -1024.0, 3071.0)));
        v.labels->GetBufferPointer()[i] = body;
      }
  const auto table = qualityTable(v, true);
  ASSERT_EQ(table->rows.size(), 6u);
  EXPECT_EQ(table->at(0, "modality"), 1);
  const auto expected = reference("ct", v);
  EXPECT_EQ(expected.size(),
            16u);  // 11 volume metrics + wed-mm of each of 5 slices
  expectMatches(*table, expected);
  EXPECT_EQ(table->at(0, "truncated"), 1);  // slice 4 only
  EXPECT_EQ(table->at(5, "truncated"), 1);
  EXPECT_EQ(table->at(1, "truncated"), 0);
  EXPECT_GT(table->at(0, "clipped-low-fraction"), 0);
  EXPECT_DOUBLE_EQ(table->at(0, "clipped-high-fraction"), 4.0 / (32 * 28 * 5));
}

std::shared_ptr<const LabelTable> phantomTable(const PhantomSpec& spec) {
  const Phantom phantom = makeBodyPhantom(spec);
  return runStage(findStage("quality-metrics"), {{"image", {phantom.image, nullptr, nullptr}}}, {}).table;
}

PhantomSpec smallPhantom() {
  PhantomSpec spec;
  spec.size = {256, 256, 8};
  return spec;
}

TEST(QualityMetrics, CtPhantomNoiseAndClippingAsGenerated) {
  const auto table = phantomTable(smallPhantom());  // sigma 20 HU, rounded, clamped at -1024
  EXPECT_NEAR(table->at(0, "noise-gnl"), 20.0, 1.0);
  EXPECT_NEAR(table->at(0, "air-mean"), -1000.0, 1.5);
  EXPECT_EQ(table->at(0, "truncated-fraction"), 0);
  EXPECT_EQ(table->at(0, "metal-fraction"), 0);
  // Air voxels whose noise reaches -23.5 HU are stored as -1024: P(N(0,20) <
  // -23.5) = 0.1199.
  const double airFraction = 1 - table->at(0, "body-voxels") / (256.0 * 256 * 8);
  EXPECT_NEAR(table->at(0, "clipped-low-fraction") / airFraction, 0.1199, 0.005);
}

TEST(QualityMetrics, CtPhantomNoiseScalesAndOffsetShiftsTheMean) {
  PhantomSpec spec = smallPhantom();
  spec.noiseSigma = 10;
  const auto quiet = phantomTable(spec);
  EXPECT_NEAR(quiet->at(0, "noise-gnl"), 10.0, 1.0);
  EXPECT_NEAR(quiet->at(0, "soft-tissue-mean"), 40.0, 0.5);
  spec.hu.softTissue = 70;
  const auto offset = phantomTable(spec);
  EXPECT_NEAR(offset->at(0, "soft-tissue-mean"), 70.0, 0.5);
  EXPECT_NEAR(offset->at(0, "noise-gnl"), 10.0, 1.0);
}

TEST(QualityMetrics, CtWaterPhantomWedIsTheEllipsesEquivalentDiameter) {
  PhantomSpec spec = smallPhantom();
  spec.noiseSigma = 0;
  spec.hu = {-1000, 0, 0, 0};  // a water ellipse of 90 x 70 mm semi-axes
  const auto table = phantomTable(spec);
  EXPECT_NEAR(table->at(0, "wed-mm"), 2 * std::sqrt(90.0 * 70.0), 0.01 * 158.7);
  EXPECT_NEAR(table->at(3, "wed-mm"), 2 * std::sqrt(90.0 * 70.0), 0.01 * 158.7);
}

TEST(QualityMetrics, CtTruncatedPhantomTouchesTheEdgeInEverySlice) {
  PhantomSpec spec = smallPhantom();
  spec.size = {200, 160, 8};  // 160 x 128 mm field of view, the body is 180 x 140 mm
  const auto table = phantomTable(spec);
  EXPECT_EQ(table->at(0, "truncated-fraction"), 1);
  for (size_t row = 1; row < table->rows.size(); ++row) EXPECT_EQ(table->at(row, "truncated"), 1);
}

TEST(QualityMetrics, CtMetalIsCountedInTheBody) {
  Phantom phantom = makeBodyPhantom(smallPhantom());
  for (long z = 2; z < 4; ++z)
    for (long y = 120; y < 125; ++y)
      for (long x = 100; x < 105; ++x) phantom.image->SetPixel({{x, y, z}}, 3071);
  const auto table = runStage(findStage("quality-metrics"), {{"image", {phantom.image, nullptr, nullptr}}}, {}).table;
  EXPECT_DOUBLE_EQ(table->at(0, "metal-fraction") * table->at(0, "body-voxels"), 50.0);
  EXPECT_DOUBLE_EQ(table->at(0, "clipped-high-fraction"), 50.0 / (256.0 * 256 * 8));
}

TEST(QualityMetrics, LabelsOnAnotherGridAreRefused) {
  Volume v(8, 8, 4, 1, 1, 1);
  Volume other(8, 8, 3, 1, 1, 1);
  v.image->FillBuffer(0);
  StageInputs inputs{{"image", {v.image, nullptr, nullptr}}, {"labels", {nullptr, other.labels, nullptr}}};
  try {
    runStage(findStage("quality-metrics"), inputs, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input 'labels' is 8x8x3 voxels, the image 8x8x4"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace medpipe
