// 4D series, diffusion gradients and BIDS sidecars: generated mosaic series with known values, and
// the real MR series of ../shared/data against dcm2niix's 4D NIfTI, .bval/.bvec and JSON sidecars.
#include <gdcmAttribute.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmWriter.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/image_file.h"
#include "medpipe/io/multiframe_writer.h"
#include "mosaic_writer.h"
#include "test_support.h"

namespace medpipe {
namespace {
namespace fs = std::filesystem;

fs::path data(const std::string& sub) { return test::sharedDataDir() / sub; }

std::string readText(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The raw value of a top-level key of a flat JSON object (a number, a "string" or an [array]).
std::string jsonValue(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return {};
  size_t begin = json.find_first_not_of(" \t\n", at + key.size() + 3);
  const size_t end = json[begin] == '['   ? json.find(']', begin) + 1
                     : json[begin] == '"' ? json.find('"', begin + 1) + 1
                                          : json.find_first_of(",\n}", begin);
  return json.substr(begin, end - begin);
}

std::vector<double> jsonNumbers(const std::string& json, const std::string& key) {
  std::string text = jsonValue(json, key);
  for (char& c : text)
    if (c == '[' || c == ']' || c == ',') c = ' ';
  std::istringstream in(text);
  std::vector<double> values;
  for (double v; in >> v;) values.push_back(v);
  return values;
}

std::vector<std::vector<double>> readRows(const fs::path& file) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream items(line);
    rows.emplace_back();
    for (double v; items >> v;) rows.back().push_back(v);
  }
  return rows;
}

// Volume t of a 4D image as a 3D image on the same spatial grid.
ImageF::Pointer volumeOf(const ImageF4& image, unsigned t) {
  const auto size4 = image.GetLargestPossibleRegion().GetSize();
  auto out = ImageF::New();
  out->SetRegions(ImageF::RegionType(ImageF::SizeType{{size4[0], size4[1], size4[2]}}));
  ImageF::SpacingType spacing;
  ImageF::PointType origin;
  ImageF::DirectionType direction;
  for (unsigned r = 0; r < 3; ++r) {
    spacing[r] = image.GetSpacing()[r], origin[r] = image.GetOrigin()[r];
    for (unsigned c = 0; c < 3; ++c) direction(r, c) = image.GetDirection()(r, c);
  }
  out->SetSpacing(spacing), out->SetOrigin(origin), out->SetDirection(direction);
  out->Allocate();
  const size_t n = out->GetLargestPossibleRegion().GetNumberOfPixels();
  std::copy(image.GetBufferPointer() + t * n, image.GetBufferPointer() + (t + 1) * n, out->GetBufferPointer());
  return out;
}

// Gradient directions of an FSL .bvec in patient (LPS) axes: FSL's vectors are along the image axes,
// the first negated when the (NIfTI, equally ITK's LPS) direction matrix has a positive determinant.
std::vector<std::array<double, 3>> bvecInPatientAxes(const fs::path& bvec, const ImageF4& image) {
  const auto rows = readRows(bvec);
  const auto& d = image.GetDirection();
  const double det = d(0, 0) * (d(1, 1) * d(2, 2) - d(1, 2) * d(2, 1)) -
                     d(0, 1) * (d(1, 0) * d(2, 2) - d(1, 2) * d(2, 0)) +
                     d(0, 2) * (d(1, 0) * d(2, 1) - d(1, 1) * d(2, 0));
  std::vector<std::array<double, 3>> out;
  for (size_t i = 0; i < rows.at(0).size(); ++i) {
    const std::array<double, 3> v{det > 0 ? -rows[0][i] : rows[0][i], rows[1][i], rows[2][i]};
    std::array<double, 3> p{};
    for (unsigned r = 0; r < 3; ++r) p[r] = d(r, 0) * v[0] + d(r, 1) * v[1] + d(r, 2) * v[2];
    out.push_back(p);
  }
  return out;
}

// Our 4D file against dcm2niix's: shape, each volume's grid (1e-3 mm) and voxels, the time step.
void expect4dMatchesReference(const fs::path& ours, const fs::path& reference, double valueTolerance = 0) {
  const auto a = readImage4D(ours), b = readImage4D(reference);
  const auto sa = a->GetLargestPossibleRegion().GetSize(), sb = b->GetLargestPossibleRegion().GetSize();
  ASSERT_EQ(sa[3], sb[3]) << "volume count";
  EXPECT_EQ(sa[0] * sa[1] * sa[2], sb[0] * sb[1] * sb[2]);
  EXPECT_NEAR(a->GetSpacing()[3], b->GetSpacing()[3], 1e-5) << "repetition time (pixdim[4])";
  for (unsigned t = 0; t < sa[3]; ++t) {
    const auto cmp = test::compareInPhysicalSpace(*volumeOf(*a, t), *volumeOf(*b, t), 1e-3);
    ASSERT_TRUE(cmp.sameGrid) << "volume " << t + 1 << ": " << cmp.gridProblem;
    EXPECT_LE(cmp.maxValueDifference, valueTolerance) << "volume " << t + 1;
    std::printf("[ figures  ] %s volume %u: grid corners %.2g mm apart, max voxel difference %g\n",
                reference.filename().c_str(), t + 1, cmp.maxCornerDistance, cmp.maxValueDifference);
  }
}

ConversionReport convert(const fs::path& input, const fs::path& output, bool fourD = true) {
  ConversionOptions options;
  options.input = input;
  options.outputFolder = output;
  options.format = ImageFormat::Nifti;
  options.fourD = fourD;
  options.irregular = IrregularGeometry::Fail;
  return convertDicom(options);
}

}  // namespace

TEST(FourD, RepeatedMosaicsBecomeOneFileInAcquisitionOrderOrOneFilePerVolume) {
  test::TempDir dir("mr-4d");
  for (int acquisition : {3, 1, 2}) {  // written out of order: the file order must not matter
    test::MosaicSpec spec;
    spec.acquisitionNumber = acquisition;
    test::writeMosaic(spec, dir / "dicom" / ("m" + std::to_string(4 - acquisition) + ".dcm"));
  }
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 1u);
  EXPECT_EQ(report.written[0].image, dir / "out" / "12_ep2d_test.nii");
  EXPECT_EQ(report.written[0].volumes, 3u);
  EXPECT_TRUE(report.written[0].bval.empty());
  const auto image = readImage4D(report.written[0].image);
  ASSERT_EQ(image->GetLargestPossibleRegion().GetSize(), (ImageF4::SizeType{{8, 6, 5, 3}}));
  EXPECT_NEAR(image->GetSpacing()[3], 2.0, 1e-6);  // RepetitionTime 2000 ms
  for (unsigned t = 0; t < 3; ++t) {
    test::MosaicSpec spec;
    spec.acquisitionNumber = int(t + 1);
    EXPECT_EQ(image->GetPixel({{3, 2, 4, long(t)}}), spec.value(4, 2, 3)) << "volume " << t + 1;
  }
  const std::string json = readText(dir / "out" / "12_ep2d_test.json");
  EXPECT_EQ(jsonNumbers(json, "Dimensions"), (std::vector<double>{8, 6, 5, 3}));
  EXPECT_EQ(jsonValue(json, "Volumes"), "3");
  EXPECT_EQ(jsonValue(json, "SlicesRead"), "15");
  EXPECT_EQ(jsonNumbers(json, "SliceTiming"), (std::vector<double>{0, 0.4, 0.8, 0.2, 0.6}));
  EXPECT_EQ(jsonValue(json, "PhaseEncodingDirection"), "\"j\"");

  const auto perVolume = convert(dir / "dicom", dir / "out3d", false);
  ASSERT_EQ(perVolume.written.size(), 3u);
  for (unsigned t = 0; t < 3; ++t) {
    EXPECT_EQ(perVolume.written[t].image, dir / "out3d" / ("12_ep2d_test_v" + std::to_string(t + 1) + ".nii"));
    test::MosaicSpec spec;
    spec.acquisitionNumber = int(t + 1);
    EXPECT_EQ(readImage(perVolume.written[t].image)->GetPixel({{3, 2, 4}}), spec.value(4, 2, 3));
  }
}

TEST(FourD, CliWrites4dByDefaultAnd3dOnRequest) {
  test::TempDir dir("mr-4d-cli");
  for (int acquisition : {1, 2}) {
    test::MosaicSpec spec;
    spec.acquisitionNumber = acquisition;
    test::writeMosaic(spec, dir / "dicom" / ("m" + std::to_string(acquisition) + ".dcm"));
  }
  const auto r = test::runMedpipe("convert '" + (dir / "dicom").string() + "' -o '" + (dir / "a").string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir / "a" / "12_ep2d_test.nii.gz").string() + "  [OK] 2 volumes\n");
  const auto s = test::runMedpipe("convert '" + (dir / "dicom").string() + "' -o '" + (dir / "b").string() + "' --3d");
  EXPECT_EQ(s.exitCode, 0) << s.err;
  EXPECT_TRUE(fs::exists(dir / "b" / "12_ep2d_test_v1.nii.gz"));
  EXPECT_TRUE(fs::exists(dir / "b" / "12_ep2d_test_v2.nii.gz"));
  const auto both =
      test::runMedpipe("convert '" + (dir / "dicom").string() + "' -o '" + (dir / "c").string() + "' --3d --4d");
  EXPECT_EQ(both.exitCode, 2);
  EXPECT_NE(both.err.find("--3d and --4d exclude each other"), std::string::npos) << both.err;
}

// Gradients in patient axes become FSL vectors along the image axes; b = 0 has no direction.
TEST(Diffusion, GeneratedSiemensSeriesGivesBvalAndBvecInImageAxes) {
  test::TempDir dir("mr-dwi");
  const std::vector<std::pair<double, std::array<double, 3>>> encodings{
      {0, {0, 0, 0}}, {1000, {1, 0, 0}}, {1000, {0, 0.6, 0.8}}, {2000, {0.48, -0.6, 0.64}}};
  for (size_t i = 0; i < encodings.size(); ++i) {
    test::MosaicSpec spec;
    spec.acquisitionNumber = int(i + 1);
    spec.bValue = encodings[i].first, spec.gradient = encodings[i].second;
    test::writeMosaic(spec, dir / "dicom" / ("d" + std::to_string(i) + ".dcm"));
  }
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_EQ(report.written.size(), 1u);
  ASSERT_FALSE(report.written[0].bvec.empty());
  EXPECT_EQ(readText(report.written[0].bval), "0 1000 1000 2000\n");
  // The image axes: row (1,0,0), column (0,cos 20,-sin 20), normal row x column; det > 0 negates x.
  const test::MosaicSpec spec;
  const auto c = spec.column(), n = spec.normal();
  const auto rows = readRows(report.written[0].bvec);
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < encodings.size(); ++i) {
    const auto& g = encodings[i].second;
    const double x = -g[0], y = g[0] * c[0] + g[1] * c[1] + g[2] * c[2], z = g[0] * n[0] + g[1] * n[1] + g[2] * n[2];
    EXPECT_NEAR(rows[0][i], x, 1e-6) << i;
    EXPECT_NEAR(rows[1][i], y, 1e-6) << i;
    EXPECT_NEAR(rows[2][i], z, 1e-6) << i;
  }
  EXPECT_NE(readText(report.written[0].sidecar)
                .find("\"DiffusionEncodingSource\": \"Siemens CSA B_value/DiffusionGradientDirection\""),
            std::string::npos);
}

// Philips classic DWI: b-values and gradients only in Philips' private attributes; the isotropic
// (trace) volume, a b-value without direction, is written apart from the 4D series, as dcm2niix does.
TEST(Diffusion, PhilipsPrivateGradientsAndDerivedTraceVolume) {
  test::TempDir dir("mr-philips-dwi");
  auto f32 = [](float v) {
    char b[4];
    std::memcpy(b, &v, 4);
    return std::string(b, 4);
  };
  const std::vector<std::pair<float, std::array<float, 3>>> encodings{
      {0, {0, 0, 0}}, {1000, {0, 1, 0}}, {1000, {0.6f, 0, 0.8f}}, {1000, {0, 0, 0}}};
  int instance = 0;
  for (size_t v = 0; v < encodings.size(); ++v)
    for (int z = 0; z < 3; ++z) {
      test::SliceBytes slice(4, 5, 2.0 * z, ++instance);
      slice.set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4").set(0x0008, 0x0060, "CS", "MR");
      slice.set(0x0008, 0x0070, "LO", "Philips Medical Systems").set(0x0008, 0x103E, "LO", "DTI");
      slice.set(0x0018, 0x0080, "DS", "3000").set(0x0020, 0x0012, "IS", "1");
      slice.set(0x2001, 0x0010, "LO", "Philips Imaging DD 001").set(0x2001, 0x1003, "FL", f32(encodings[v].first));
      slice.set(0x2005, 0x0010, "LO", "Philips MR Imaging DD 001");
      for (int k = 0; k < 3; ++k) slice.set(0x2005, uint16_t(0x10b0 + k), "FL", f32(encodings[v].second[k]));
      for (size_t i = 0; i < slice.pixels.size(); i += 2) slice.pixels[i] = char(10 * v + z);
      slice.write(dir / "dicom" / ("IM" + std::to_string(instance)));
    }
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 2u);
  EXPECT_EQ(report.written[0].image, dir / "out" / "7_DTI.nii");
  EXPECT_EQ(report.written[0].volumes, 3u);
  EXPECT_EQ(readText(report.written[0].bval), "0 1000 1000\n");
  // Identity orientation (det > 0): x negated, y and z as in patient axes.
  EXPECT_EQ(readText(report.written[0].bvec), "0 0 -0.6\n0 1 0\n0 0 0.8\n");
  EXPECT_EQ(report.written[1].image, dir / "out" / "7_DTI_derived.nii");
  EXPECT_EQ(report.written[1].volumes, 1u);
  EXPECT_EQ(readImage(report.written[1].image)->GetPixel({{0, 0, 1}}), 31.0f);  // volume 4, slice 2
  EXPECT_EQ(readImage4D(report.written[0].image)->GetPixel({{0, 0, 2, 2}}), 22.0f);
}

namespace {

// A sequence element of one item.
gdcm::DataElement sequenceOf(const gdcm::Tag& tag, const gdcm::DataSet& item) {
  auto items = gdcm::SequenceOfItems::New();
  gdcm::Item entry;
  entry.SetVLToUndefined();
  entry.SetNestedDataSet(item);
  items->AddItem(entry);
  items->SetLengthToUndefined();
  gdcm::DataElement de(tag);
  de.SetVR(gdcm::VR::SQ);
  de.SetValue(*items);
  de.SetVLToUndefined();
  return de;
}

// An enhanced MR object of 4 frames of 6 x 5 (frame k holds 10 k + 1) whose frames 3 and 4 repeat
// the positions of 1 and 2; `edit` then changes each frame's functional groups (frame 1..4).
void writeEnhancedWithRepeats(const fs::path& file, const std::string& description,
                              const std::function<void(gdcm::DataSet& frame, unsigned i)>& edit) {
  auto image = ImageF::New();
  image->SetRegions(ImageF::RegionType(ImageF::SizeType{{6, 5, 4}}));
  image->Allocate();
  for (long z = 0; z < 4; ++z)
    for (long y = 0; y < 5; ++y)
      for (long x = 0; x < 6; ++x) image->SetPixel({{x, y, z}}, float(10 * z + 1));
  DicomSeriesInfo info;
  info.modality = "MR", info.seriesNumber = 5, info.seriesDescription = description;
  fs::create_directories(file.parent_path());
  writeEnhancedMultiFrame(*image, file, info);
  gdcm::Reader reader;
  reader.SetFileName(file.c_str());
  ASSERT_TRUE(reader.Read());
  auto frames = reader.GetFile().GetDataSet().GetDataElement(gdcm::Tag(0x5200, 0x9230)).GetValueAsSQ();
  ASSERT_EQ(frames->GetNumberOfItems(), 4u);
  for (unsigned i = 1; i <= 4; ++i) {
    gdcm::DataSet& frame = frames->GetItem(i).GetNestedDataSet();
    gdcm::DataSet plane;
    gdcm::Attribute<0x0020, 0x0032> position;
    const double at[3] = {0, 0, double((i - 1) % 2)};
    position.SetValues(at, 3);
    plane.Insert(position.GetAsDataElement());
    frame.Replace(sequenceOf(gdcm::Tag(0x0020, 0x9113), plane));
    edit(frame, i);
  }
  gdcm::Writer writer;
  writer.SetFile(reader.GetFile());
  writer.SetFileName(file.c_str());
  ASSERT_TRUE(writer.Write());
}

}  // namespace

// Enhanced MR DWI: the diffusion encoding in each frame's MRDiffusionSequence (frames 1-2 b = 0,
// 3-4 b = 1000 along (0.6, 0, 0.8)): a 4D series of two volumes with its .bval/.bvec.
TEST(Diffusion, EnhancedMultiFramePerFrameDiffusion) {
  test::TempDir dir("mr-enhanced-dwi");
  writeEnhancedWithRepeats(dir / "dicom" / "enhanced.dcm", "DWI", [](gdcm::DataSet& frame, unsigned i) {
    gdcm::DataSet diffusion, direction;
    gdcm::Attribute<0x0018, 0x9087> b;
    b.SetValue(i <= 2 ? 0 : 1000);
    diffusion.Insert(b.GetAsDataElement());
    gdcm::Attribute<0x0018, 0x9089> g;
    const double v[3] = {0.6, 0, 0.8};
    g.SetValues(v, 3);
    direction.Insert(g.GetAsDataElement());
    if (i > 2) diffusion.Insert(sequenceOf(gdcm::Tag(0x0018, 0x9076), direction));
    frame.Replace(sequenceOf(gdcm::Tag(0x0018, 0x9117), diffusion));
  });
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 1u);
  EXPECT_EQ(report.written[0].volumes, 2u);
  const auto series = readImage4D(report.written[0].image);
  ASSERT_EQ(series->GetLargestPossibleRegion().GetSize(), (ImageF4::SizeType{{6, 5, 2, 2}}));
  EXPECT_EQ(series->GetPixel({{0, 0, 1, 1}}), 31.0f);  // volume 2, slice 2: frame 4
  EXPECT_EQ(readText(report.written[0].bval), "0 1000\n");
  EXPECT_EQ(readText(report.written[0].bvec), "0 -0.6\n0 0\n0 0.8\n");  // identity axes: x negated
}

// Enhanced field map: magnitude and phase frames at the same positions are two named volumes, not
// one 4D series.
TEST(FourD, EnhancedFramesOfDifferentTypeAreSeparateNamedVolumes) {
  test::TempDir dir("mr-enhanced-kinds");
  writeEnhancedWithRepeats(dir / "dicom" / "enhanced.dcm", "FM", [](gdcm::DataSet& frame, unsigned i) {
    gdcm::DataSet type;
    gdcm::Attribute<0x0008, 0x9007> frameType;
    const gdcm::CSComp values[4] = {"ORIGINAL", "PRIMARY", "FIELD_MAP", "NONE"};
    frameType.SetValues(values, 4);
    type.Insert(frameType.GetAsDataElement());
    gdcm::Attribute<0x0008, 0x9208> component;
    component.SetValue(i <= 2 ? "MAGNITUDE" : "PHASE");
    type.Insert(component.GetAsDataElement());
    frame.Replace(sequenceOf(gdcm::Tag(0x0018, 0x9226), type));
  });
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 2u);
  EXPECT_EQ(report.written[0].image, dir / "out" / "5_FM_FIELD_MAP_MAGNITUDE.nii");
  EXPECT_EQ(report.written[1].image, dir / "out" / "5_FM_FIELD_MAP_PHASE.nii");
  for (size_t k = 0; k < 2; ++k) {
    const auto image = readImage(report.written[k].image);
    ASSERT_EQ(image->GetLargestPossibleRegion().GetSize(), (ImageF::SizeType{{6, 5, 2}}));
    EXPECT_EQ(image->GetPixel({{0, 0, 1}}), k == 0 ? 11.0f : 31.0f);  // slice 2: frame 2, frame 4
  }
}

// A UIH VFRAME DWI: one mosaic per volume, b-values and gradients in UIH's private attributes, the
// b = 0 volume stored as b = 1.25 with a zero gradient (as in dcm_qa_uih). One 4D series of all three
// (the b = 1.25 volume is not taken for a trace image). UIH's gradients are along the image's axes
// (dcm2niix keeps them so on dcm_qa_uih's rotated series): in the written image's axes they are
// the stored ones, x negated (FSL's rule), whatever the (here oblique) orientation.
TEST(Diffusion, UihVframeSeriesGivesBvalAndBvecInImageAxes) {
  test::TempDir dir("mr-uih-dwi");
  const std::vector<std::pair<double, std::array<double, 3>>> encodings{
      {1.25, {0, 0, 0}}, {1000, {0.6, 0.8, 0}}, {1000, {0.8, 0, 0.6}}};
  for (size_t v = 0; v < encodings.size(); ++v) {
    test::UihMosaicSpec spec;  // dcm_qa_uih's oblique orientation
    spec.instance = int(v) + 1;
    spec.bValue = encodings[v].first, spec.gradient = encodings[v].second;
    test::writeUihMosaic(spec, dir / "dicom" / ("IM" + std::to_string(v + 1)));
  }
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 1u);
  EXPECT_EQ(report.written[0].volumes, 3u);
  EXPECT_EQ(readText(report.written[0].bval), "1.25 1000 1000\n");
  std::istringstream bvec(readText(report.written[0].bvec));
  const double expected[3][3] = {{0, -0.6, -0.8}, {0, 0.8, 0}, {0, 0, 0.6}};  // rows x, y, z
  for (const auto& row : expected)
    for (double want : row) {
      double got = NAN;
      bvec >> got;
      EXPECT_NEAR(got, want, 1e-6);
    }
  EXPECT_EQ(jsonValue(readText(report.written[0].sidecar), "DiffusionEncodingSource"),
            "\"UIH (0065,xx09) and (0065,xx37)\"");
}

// Classic (single-frame) magnitude and phase images of one series at the same positions (Siemens
// field maps, SWI): told apart by ImageType's third value, never one volume or one 4D series; the
// phase volume named with dcm2niix's `_ph`, the magnitude as before.
TEST(FourD, ClassicMagnitudeAndPhaseOfOneSeriesAreSeparateNamedVolumes) {
  test::TempDir dir("mr-classic-phase");
  int instance = 0;
  for (const char* kind : {"M", "P"})
    for (int z = 0; z < 3; ++z) {
      test::SliceBytes slice(4, 5, 2.0 * z, ++instance);
      slice.set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4").set(0x0008, 0x0060, "CS", "MR");
      slice.set(0x0008, 0x0008, "CS", std::string("ORIGINAL\\PRIMARY\\") + kind + "\\ND");
      slice.set(0x0008, 0x0070, "LO", "SIEMENS").set(0x0008, 0x103E, "LO", "gre_field_mapping");
      slice.set(0x0018, 0x0080, "DS", "500").set(0x0020, 0x0012, "IS", "1");
      for (size_t i = 0; i < slice.pixels.size(); i += 2) slice.pixels[i] = char((kind[0] == 'P' ? 50 : 10) + z);
      slice.write(dir / "dicom" / ("IM" + std::to_string(instance)));
    }
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 2u);
  EXPECT_EQ(report.written[0].image, dir / "out" / "7_gre_field_mapping.nii");
  EXPECT_EQ(report.written[1].image, dir / "out" / "7_gre_field_mapping_ph.nii");
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(report.written[k].volumes, 1u);
    const auto image = readImage(report.written[k].image);
    ASSERT_EQ(image->GetLargestPossibleRegion().GetSize(), (ImageF::SizeType{{5, 4, 3}}));
    EXPECT_EQ(image->GetPixel({{0, 0, 2}}), k == 0 ? 12.0f : 52.0f);
  }
}

// A chest radiograph without patient geometry or description: spacing from ImagerPixelSpacing
// corrected by the magnification, MONOCHROME1 inverted, one slice named by modality, body part, view.
TEST(Radiograph, ImagerPixelSpacingMagnificationAndName) {
  test::TempDir dir("cr");
  test::SliceBytes cr(6, 8, 0);
  cr.erase(0x0020, 0x0032).erase(0x0020, 0x0037).erase(0x0028, 0x0030);
  cr.set(0x0008, 0x0060, "CS", "CR").set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.1");
  cr.set(0x0018, 0x0015, "CS", "CHEST").set(0x0018, 0x5101, "CS", "PA");
  cr.set(0x0018, 0x1164, "DS", "0.2\\0.25").set(0x0018, 0x1114, "DS", "1.25");
  cr.set(0x0028, 0x0004, "CS", "MONOCHROME1").set(0x0028, 0x0101, "US", test::u16(12));
  cr.set(0x0028, 0x0102, "US", test::u16(11)).set(0x0028, 0x0103, "US", test::u16(0));
  cr.write(dir / "dicom" / "cr.dcm");
  const auto report = convert(dir / "dicom", dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 1u);
  EXPECT_EQ(report.written[0].image, dir / "out" / "7_CR_CHEST_PA.nii");
  const auto image = readImage(report.written[0].image);
  EXPECT_EQ(image->GetLargestPossibleRegion().GetSize(), (ImageF::SizeType{{8, 6, 1}}));
  EXPECT_NEAR(image->GetSpacing()[0], 0.2, 1e-6);        // columns: 0.25 / 1.25
  EXPECT_NEAR(image->GetSpacing()[1], 0.16, 1e-6);       // rows: 0.2 / 1.25
  EXPECT_EQ(image->GetPixel({{3, 0, 0}}), 4095.0f - 3);  // stored 3, mirrored over 12 bits
  const std::string json = readText(report.written[0].sidecar);
  EXPECT_EQ(jsonValue(json, "PixelSpacingSource"), "\"ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor\"");
  EXPECT_EQ(jsonValue(json, "ViewPosition"), "\"PA\"");
  EXPECT_EQ(jsonNumbers(json, "SpacingMM"), (std::vector<double>{0.2, 0.16, 1}));
}

// Stored 10, RescaleSlope 2, RescaleIntercept 1, Philips ScaleSlope 4: display 21, float 21 / 8.
TEST(PhilipsScaling, DisplayByDefaultFloatOnRequestAndTheSidecarSaysWhich) {
  test::TempDir dir("mr-philips-scaling");
  float four = 4;
  std::string slope(4, '\0');
  std::memcpy(&slope[0], &four, 4);
  for (int z = 0; z < 2; ++z) {
    test::SliceBytes slice(4, 5, 2.0 * z, z + 1);
    slice.set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4").set(0x0008, 0x0060, "CS", "MR");
    slice.set(0x0008, 0x0070, "LO", "Philips Medical Systems").set(0x0008, 0x103E, "LO", "T1");
    slice.set(0x0028, 0x1052, "DS", "1").set(0x0028, 0x1053, "DS", "2");
    slice.set(0x2005, 0x0010, "LO", "Philips MR Imaging DD 001").set(0x2005, 0x100E, "FL", slope);
    for (size_t i = 0; i < slice.pixels.size(); i += 2) slice.pixels[i] = 10;
    slice.write(dir / "dicom" / ("IM" + std::to_string(z)));
  }
  ConversionOptions options;
  options.input = dir / "dicom";
  options.outputFolder = dir / "display";
  options.format = ImageFormat::Nifti;
  ASSERT_EQ(convertDicom(options).written.size(), 1u);
  EXPECT_EQ(readImage(dir / "display" / "7_T1.nii")->GetPixel({{1, 1, 1}}), 21.0f);
  const std::string display = readText(dir / "display" / "7_T1.json");
  EXPECT_EQ(jsonValue(display, "PhilipsScaleSlope"), "4");
  EXPECT_EQ(jsonValue(display, "UsePhilipsFloatNotDisplayScaling"), "0");
  EXPECT_EQ(jsonValue(display, "PhilipsScaling"),
            "\"display: stored x RescaleSlope + RescaleIntercept (DICOM rescale)\"");
  const auto r = test::runMedpipe("convert '" + (dir / "dicom").string() + "' -o '" + (dir / "float").string() +
                                  "' --format nii --philips-scaling float");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(readImage(dir / "float" / "7_T1.nii")->GetPixel({{1, 1, 1}}), 2.625f);
  const std::string floating = readText(dir / "float" / "7_T1.json");
  EXPECT_EQ(jsonValue(floating, "UsePhilipsFloatNotDisplayScaling"), "1");
  EXPECT_EQ(jsonValue(floating, "PhilipsRescaleSlope"), "2");
  const auto bad = test::runMedpipe("convert '" + (dir / "dicom").string() + "' -o '" + (dir / "x").string() +
                                    "' --philips-scaling precise");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find("--philips-scaling: 'precise' is not one of: display, float"), std::string::npos) << bad.err;
}

// Enhanced MR: timing from the functional groups, Philips' scale slope from the per-frame Philips
// sequence; the same sidecar values as dcm2niix's and as the classic export of the same scan.
TEST(RealData, EnhancedPhilipsMrTimingAndScalingMatchDcm2niix) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-philips-pcasl");
  test::TempDir dir("mr-enhanced-timing");
  for (const char* form : {"enhanced", "classic"}) {
    SCOPED_TRACE(form);
    ConversionOptions options;
    options.input = data(std::string("mr-philips-pcasl/") + form);
    options.outputFolder = dir / form;
    options.format = ImageFormat::Nifti;
    options.philipsFloat = true;
    const auto report = convertDicom(options);
    ASSERT_EQ(report.written.size(), 1u);
    const std::string ours = readText(report.written[0].sidecar);
    const std::string theirs = readText(data(std::string("mr-philips-pcasl/reference/1901_WIP_3DpCASL_") +
                                             (form == std::string("enhanced") ? "enh_real" : "cl") + ".json"));
    for (const char* key : {"RepetitionTime", "EchoTime", "FlipAngle", "PhilipsScaleSlope", "PhilipsRescaleSlope",
                            "PhilipsRescaleIntercept", "UsePhilipsFloatNotDisplayScaling"}) {
      ASSERT_FALSE(jsonNumbers(theirs, key).empty()) << key;
      EXPECT_EQ(jsonNumbers(ours, key), jsonNumbers(theirs, key)) << key;
    }
  }
}

TEST(RealData, SiemensMosaic4dMatchesDcm2niix) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-siemens-mosaic");
  test::TempDir dir("mr-mosaic-4d");
  const auto report = convert(data("mr-siemens-mosaic/input"), dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 2u);
  const std::pair<const char*, const char*> series[] = {{"3_EPI_PE_AP", "EPI_PE=AP_3"}, {"4_EPI_PE_PA", "EPI_PE=PA_4"}};
  for (const auto& [ours, theirs] : series) {
    SCOPED_TRACE(ours);
    expect4dMatchesReference(dir / "out" / (std::string(ours) + ".nii"),
                             data("mr-siemens-mosaic/reference/" + std::string(theirs) + ".nii"));
    const std::string a = readText(dir / "out" / (std::string(ours) + ".json"));
    const std::string b = readText(data("mr-siemens-mosaic/reference/" + std::string(theirs) + ".json"));
    for (const char* key :
         {"MagneticFieldStrength", "ImagingFrequency", "EchoTime", "RepetitionTime", "FlipAngle", "SliceThickness",
          "SpacingBetweenSlices", "PixelBandwidth", "SeriesNumber", "SliceTiming", "ImageOrientationPatientDICOM"}) {
      const auto x = jsonNumbers(a, key), y = jsonNumbers(b, key);
      ASSERT_FALSE(y.empty()) << key;
      ASSERT_EQ(x.size(), y.size()) << key;
      for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-6) << key << "[" << i << "]";
    }
    for (const char* key : {"Modality", "ManufacturersModelName", "SoftwareVersions", "BodyPart", "PatientPosition",
                            "SeriesDescription", "ScanningSequence", "SequenceVariant", "SequenceName",
                            "MRAcquisitionType", "InPlanePhaseEncodingDirectionDICOM"})
      EXPECT_EQ(jsonValue(a, key), jsonValue(b, key)) << key;
    // dcm2niix flips the rows, medpipe keeps DICOM's order: the j axis points the other way.
    const std::string pe = jsonValue(b, "PhaseEncodingDirection");
    EXPECT_EQ(jsonValue(a, "PhaseEncodingDirection"), pe == "\"j-\"" ? "\"j\"" : "\"j-\"");
  }
}

TEST(RealData, GeDiffusionMatchesDcm2niixVolumesBvalAndBvec) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-ge-dwi");
  test::TempDir dir("mr-ge-dwi");
  const auto report = convert(data("mr-ge-dwi/input"), dir / "out");
  ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
  ASSERT_EQ(report.written.size(), 1u);
  const auto& written = report.written[0];
  EXPECT_EQ(written.volumes, 7u);
  const fs::path reference = data("mr-ge-dwi/reference/Ax_DWI_TENSOR_R2_1");
  expect4dMatchesReference(written.image, reference.string() + ".nii");
  EXPECT_EQ(readRows(written.bval), readRows(reference.string() + ".bval"));
  // The vectors refer to each file's own axes (dcm2niix's rows run the other way): compare them in
  // patient axes, to the rounding of the reference's 6 digits.
  const auto ours = bvecInPatientAxes(written.bvec, *readImage4D(written.image));
  const auto theirs = bvecInPatientAxes(reference.string() + ".bvec", *readImage4D(reference.string() + ".nii"));
  ASSERT_EQ(ours.size(), theirs.size());
  double worst = 0;
  for (size_t i = 0; i < ours.size(); ++i)
    for (int k = 0; k < 3; ++k) worst = std::max(worst, std::abs(ours[i][k] - theirs[i][k]));
  EXPECT_LT(worst, 5e-6);
  std::printf("[ figures  ] GE DWI: bval equal, bvec directions (patient axes) within %.2g of dcm2niix's\n", worst);
  const std::string json = readText(written.sidecar);
  EXPECT_EQ(jsonValue(json, "DiffusionEncodingSource"), "\"GE (0043,xx39) and (0019,xxbb-bd)\"");
  EXPECT_EQ(jsonNumbers(json, "RepetitionTime"), jsonNumbers(readText(reference.string() + ".json"), "RepetitionTime"));
}

}  // namespace medpipe
