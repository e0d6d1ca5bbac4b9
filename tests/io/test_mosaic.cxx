// Siemens MOSAIC images: the CSA header parser, generated mosaics with known
// tiles and geometry, and the real mosaics of ../shared/data against dcm2niix's
// conversions (shape, grid within 1e-3 mm in physical space, voxels).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "image_compare.h"
#include "medpipe/core/error.h"
#include "medpipe/io/csa_header.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "mosaic_writer.h"
#include "test_support.h"

namespace medpipe {
namespace {

std::filesystem::path data(const std::string& sub) { return test::sharedDataDir() / sub; }

// Volume t of a 4D image, as a 3D image on the same spatial grid.
ImageF::Pointer volumeOf(const ImageF4& image, unsigned t) {
  const auto size4 = image.GetLargestPossibleRegion().GetSize();
  auto out = ImageF::New();
  out->SetRegions(ImageF::RegionType(ImageF::SizeType{{size4[0], size4[1], size4[2]}}));
  ImageF::SpacingType spacing;
  ImageF::PointType origin;
  ImageF::DirectionType direction;
  for (unsigned r = 0; r < 3; ++r) {
    spacing[r] = image.GetSpacing()[r];
    origin[r] = image.GetOrigin()[r];
    for (unsigned c = 0; c < 3; ++c) direction(r, c) = image.GetDirection()(r, c);
  }
  out->SetSpacing(spacing), out->SetOrigin(origin), out->SetDirection(direction);
  out->Allocate();
  const size_t n = out->GetLargestPossibleRegion().GetNumberOfPixels();
  std::copy(image.GetBufferPointer() + t * n, image.GetBufferPointer() + (t + 1) * n, out->GetBufferPointer());
  return out;
}

std::vector<const SeriesVolume*> volumesOfSeries(const DicomIndex& index, int number) {
  std::vector<const SeriesVolume*> out;
  for (const auto& v : index.volumes)
    if (v.first().seriesNumber == number) out.push_back(&v);
  return out;
}

// Reads every volume of series `number` and compares volume t with volume t of
// dcm2niix's file.
void expectSeriesMatchesReference(const DicomIndex& index, int number, const std::filesystem::path& reference,
                                  size_t expectedVolumes) {
  const auto volumes = volumesOfSeries(index, number);
  ASSERT_EQ(volumes.size(), expectedVolumes);
  const auto expected = readImage4D(reference);
  ASSERT_EQ(expected->GetLargestPossibleRegion().GetSize()[3], expectedVolumes);
  for (size_t t = 0; t < volumes.size(); ++t) {
    SCOPED_TRACE("volume " + std::to_string(t + 1));
    const auto ours = readVolume(*volumes[t], IrregularGeometry::Fail);
    const auto theirs = volumeOf(*expected, unsigned(t));
    EXPECT_EQ(ours->GetLargestPossibleRegion().GetSize(), theirs->GetLargestPossibleRegion().GetSize());
    const auto cmp = test::compareInPhysicalSpace(*ours, *theirs, 1e-3);
    ASSERT_TRUE(cmp.sameGrid) << reference << ": " << cmp.gridProblem;
    EXPECT_EQ(cmp.voxelsCompared, ours->GetLargestPossibleRegion().GetNumberOfPixels());
    EXPECT_EQ(cmp.maxValueDifference, 0.0) << reference;
    std::printf(
        "[ figures  ] %s volume %zu: grid corners %.2g mm apart, max "
        "voxel difference %g\n",
        reference.filename().c_str(), t + 1, cmp.maxCornerDistance, cmp.maxValueDifference);
  }
}

}  // namespace

TEST(CsaHeader, ParsesElementsAndRefusesBytesThatRunPastTheEnd) {
  const std::string bytes =
      test::csaHeader({{"NumberOfImagesInMosaic", {"35"}}, {"SliceNormalVector", {"0", "0.1", "0.99"}}, {"Empty", {}}});
  const auto csa = CsaHeader::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(csa);
  EXPECT_EQ(csa->size(), 3u);
  EXPECT_EQ(csa->number("NumberOfImagesInMosaic"), 35.0);
  EXPECT_EQ(csa->numbers("SliceNormalVector"), (std::vector<double>{0, 0.1, 0.99}));
  EXPECT_TRUE(csa->has("Empty"));
  EXPECT_FALSE(csa->number("Empty"));
  // Every truncation is refused with a reason, none is read past its end (ASan
  // in CI).
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string problem;
    const std::string cut = bytes.substr(0, n);
    EXPECT_FALSE(CsaHeader::parse(cut.data(), cut.size(), &problem)) << n;
    EXPECT_FALSE(problem.empty()) << n;
  }
  std::string huge = bytes;
  huge[8] = '\xff', huge[9] = '\xff', huge[10] = '\xff',
  huge[11] = '\x7f';  // tag count 2^31-1
  std::string problem;
  EXPECT_FALSE(CsaHeader::parse(huge.data(), huge.size(), &problem));
  EXPECT_EQ(problem, "implausible element count 2147483647");
}

TEST(Mosaic, GeneratedMosaicSplitsIntoTilesPlacedAlongTheSliceNormal) {
  for (bool against : {false, true}) {
    SCOPED_TRACE(against ? "CSA normal against row x column" : "CSA normal along row x column");
    test::TempDir dir("mosaic-generated");
    test::MosaicSpec spec;
    spec.normalAgainstCross = against;
    test::writeMosaic(spec, dir / "dicom" / "mosaic.dcm");
    const DicomIndex index = indexDicomFolder(dir / "dicom");
    ASSERT_EQ(index.volumes.size(), 1u);
    ASSERT_EQ(index.volumes[0].slices.size(), spec.tiles);
    const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
    const auto size = image->GetLargestPossibleRegion().GetSize();
    ASSERT_EQ(size, (ImageF::SizeType{{spec.tileColumns, spec.tileRows, spec.tiles}}));
    EXPECT_NEAR(image->GetSpacing()[0], 2.5, 1e-9);
    EXPECT_NEAR(image->GetSpacing()[1], 2.0, 1e-9);
    EXPECT_NEAR(image->GetSpacing()[2], 4.0, 1e-6);
    const auto n = spec.normal();
    for (unsigned k = 0; k < spec.tiles; ++k) {
      // Tile k lies k gaps from the first along the CSA normal; the stack
      // ascends along row x column.
      const unsigned z = against ? spec.tiles - 1 - k : k;
      const double step = (against ? -1.0 : 1.0) * spec.sliceGap * k;
      ImageF::PointType p;
      image->TransformIndexToPhysicalPoint({{0, 0, long(z)}}, p);
      for (int d = 0; d < 3; ++d) EXPECT_NEAR(p[d], spec.firstTileCorner[d] + step * n[d], 1e-4) << "tile " << k;
      for (unsigned y = 0; y < spec.tileRows; ++y)
        for (unsigned x = 0; x < spec.tileColumns; ++x)
          ASSERT_EQ(image->GetPixel({{long(x), long(y), long(z)}}), spec.value(k, y, x)) << k << " " << y << " " << x;
    }
  }
}

TEST(Mosaic, TileCountFallsBackToSiemensMrHeader) {
  test::TempDir dir("mosaic-fallback");
  test::MosaicSpec spec;
  spec.csaTileCount = false;  // CSA header without NumberOfImagesInMosaic: (0019,100A) has it
  test::writeMosaic(spec, dir / "a" / "mosaic.dcm");
  const DicomIndex index = indexDicomFolder(dir / "a");
  ASSERT_EQ(index.volumes.size(), 1u);
  EXPECT_EQ(index.volumes[0].slices.size(), spec.tiles);
}

TEST(Mosaic, MosaicThatCannotBeSplitIsAnErrorWithTheReason) {
  test::TempDir dir("mosaic-broken");
  test::MosaicSpec noCount;
  noCount.csaHeaderPresent = false, noCount.privateTileCount = false;
  const auto file = test::writeMosaic(noCount, dir / "a" / "mosaic.dcm");
  try {
    readVolume(indexDicomFolder(dir / "a").volumes.at(0), IrregularGeometry::Fail);
    FAIL() << "a mosaic without a tile count read as an image";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().path, file.string());
    EXPECT_EQ(e.info().field, "NumberOfImagesInMosaic");
    EXPECT_EQ(e.info().reason,
              "ImageType says MOSAIC, but neither the CSA image header (0029,xx10), "
              "absent, nor "
              "(0019,xx0A) gives the number of tiles: cannot split it into slices");
  }
  test::MosaicSpec wrongCount;
  wrongCount.tileCountWritten = 10;  // a 4 x 4 grid does not divide the 24 x 18 mosaic
  test::writeMosaic(wrongCount, dir / "b" / "mosaic.dcm");
  try {
    readVolume(indexDicomFolder(dir / "b").volumes.at(0), IrregularGeometry::Fail);
    FAIL() << "a mosaic with a wrong tile count read as an image";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().field, "NumberOfImagesInMosaic");
    EXPECT_EQ(e.info().reason,
              "10 tiles need a grid of 4 x 4, which does not "
              "divide the 24 x 18 mosaic");
  }
  // scan does not call it OK, convert fails naming the file and the field.
  const auto scan = test::runMedpipe("scan '" + (dir / "b").string() + "'");
  EXPECT_NE(scan.out.find("unreadable: NumberOfImagesInMosaic 10 tiles need a grid"), std::string::npos) << scan.out;
  const auto convert = test::runMedpipe("convert '" + (dir / "a").string() + "' -o '" + (dir / "out").string() + "'");
  EXPECT_EQ(convert.exitCode, 1);
  EXPECT_NE(convert.err.find(file.string() + ": NumberOfImagesInMosaic: ImageType says MOSAIC"), std::string::npos)
      << convert.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "12_ep2d_test.nii.gz"));
}

// UIH VFRAME mosaics: 10 tiles in a 4 x 3 grid (not Siemens' 4 x 4), each placed at its own
// ImagePositionPatient from (0065,xx51), in either direction along the normal; voxels tile by tile.
TEST(UihMosaic, GeneratedVframeSplitsIntoTilesAtTheirOwnPositions) {
  for (bool descending : {false, true}) {
    SCOPED_TRACE(descending ? "tiles against row x column" : "tiles along row x column");
    test::TempDir dir("uih-mosaic");
    test::UihMosaicSpec spec;
    spec.descending = descending;
    test::writeUihMosaic(spec, dir / "dicom" / "vframe.dcm");
    const DicomIndex index = indexDicomFolder(dir / "dicom");
    ASSERT_EQ(index.volumes.size(), 1u);
    ASSERT_EQ(index.volumes[0].slices.size(), spec.tiles);
    const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
    ASSERT_EQ(image->GetLargestPossibleRegion().GetSize(),
              (ImageF::SizeType{{spec.tileColumns, spec.tileRows, spec.tiles}}));
    EXPECT_NEAR(image->GetSpacing()[0], 3.0, 1e-9);
    EXPECT_NEAR(image->GetSpacing()[1], 3.5, 1e-9);
    EXPECT_NEAR(image->GetSpacing()[2], 4.2, 1e-5);
    for (unsigned k = 0; k < spec.tiles; ++k) {
      const unsigned z = descending ? spec.tiles - 1 - k : k;  // the stack ascends along row x column
      ImageF::PointType p;
      image->TransformIndexToPhysicalPoint({{0, 0, long(z)}}, p);
      for (int d = 0; d < 3; ++d) EXPECT_NEAR(p[d], spec.position(k)[d], 1e-4) << "tile " << k;
      for (unsigned y = 0; y < spec.tileRows; ++y)
        for (unsigned x = 0; x < spec.tileColumns; ++x)
          ASSERT_EQ(image->GetPixel({{long(x), long(y), long(z)}}), spec.value(k, y, x)) << k << " " << y << " " << x;
    }
  }
}

// Slice timing from each tile's AcquisitionTime in (0065,xx51), from the earliest, in the written
// (ascending) slice order; a mosaic acquired across midnight keeps its order.
TEST(UihMosaic, SliceTimingFromEachTilesAcquisitionTime) {
  for (bool midnight : {false, true}) {
    test::TempDir dir("uih-mosaic-timing");
    test::UihMosaicSpec spec;
    spec.descending = true;  // written order is the reverse of the tiles'
    const char* base = midnight ? "2359" : "1352";
    for (unsigned k = 0; k < spec.tiles; ++k) {
      const double s = 58.5 + 0.25 * ((k * 3) % spec.tiles);  // interleaved: 58.5 .. 60.75 s
      char tm[32];
      if (s >= 60)
        std::snprintf(tm, sizeof tm, "%s%02d.%06d", midnight ? "0000" : "1353", int(s - 60),
                      int(std::lround((s - std::floor(s)) * 1e6)));
      else
        std::snprintf(tm, sizeof tm, "%s%02d.%06d", base, int(s), int(std::lround((s - std::floor(s)) * 1e6)));
      spec.tileTimes.push_back(tm);
    }
    test::writeUihMosaic(spec, dir / "dicom" / "vframe.dcm");
    ConversionOptions options;
    options.input = dir / "dicom", options.outputFolder = dir / "out", options.format = ImageFormat::Nifti;
    const auto report = convertDicom(options);
    ASSERT_TRUE(report.failed.empty()) << formatError(report.failed.front());
    ASSERT_EQ(report.written.size(), 1u);
    std::ifstream sidecar(report.written[0].sidecar);
    const std::string json((std::istreambuf_iterator<char>(sidecar)), std::istreambuf_iterator<char>());
    const auto at = json.find("\"SliceTiming\"");
    ASSERT_NE(at, std::string::npos) << json;
    std::vector<double> timing;
    std::istringstream values(json.substr(json.find('[', at) + 1, json.find(']', at) - json.find('[', at) - 1));
    for (std::string v; std::getline(values, v, ',');) timing.push_back(std::stod(v));
    ASSERT_EQ(timing.size(), spec.tiles);
    for (unsigned z = 0; z < spec.tiles; ++z) {
      const unsigned k = spec.tiles - 1 - z;
      EXPECT_NEAR(timing[z], 0.25 * ((k * 3) % spec.tiles), 1e-6) << (midnight ? "across midnight, " : "") << z;
    }
  }
}

TEST(UihMosaic, VframeThatCannotBeSplitOrPlacedIsAnErrorWithTheReason) {
  test::TempDir dir("uih-mosaic-broken");
  test::UihMosaicSpec noCount;
  noCount.tileCount = false;
  const auto file = test::writeUihMosaic(noCount, dir / "a" / "vframe.dcm");
  try {
    readVolume(indexDicomFolder(dir / "a").volumes.at(0), IrregularGeometry::Fail);
    FAIL() << "a VFRAME mosaic without a tile count read as an image";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().path, file.string());
    EXPECT_EQ(e.info().field, "NumberOfImagesInGrid");
    EXPECT_EQ(e.info().reason,
              "ImageType says VFRAME (a UIH mosaic), but (0065,xx50) of 'Image Private Header' gives no number of "
              "tiles: cannot split it into slices");
  }
  test::UihMosaicSpec fewPositions;
  fewPositions.positionsWritten = 4;
  test::writeUihMosaic(fewPositions, dir / "b" / "vframe.dcm");
  try {
    readVolume(indexDicomFolder(dir / "b").volumes.at(0), IrregularGeometry::Fail);
    FAIL() << "a VFRAME mosaic with 4 positions for 10 tiles read as an image";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().field, "ImagePositionPatient");
    EXPECT_EQ(e.info().reason,
              "the UIH mosaic has 10 tiles, but its (0065,xx51) sequence gives 4 ImagePositionPatient values: its "
              "tiles cannot be placed");
  }
}

TEST(RealData, SiemensMosaicEpiMatchesDcm2niixVolumeForVolume) {
  MEDPIPE_REQUIRE_SHARED_DATA("mr-siemens-mosaic");
  const DicomIndex index = indexDicomFolder(data("mr-siemens-mosaic/input"));
  expectSeriesMatchesReference(index, 3, data("mr-siemens-mosaic/reference/EPI_PE=AP_3.nii"), 2);
  expectSeriesMatchesReference(index, 4, data("mr-siemens-mosaic/reference/EPI_PE=PA_4.nii"), 2);
}

TEST(RealData, MosaicInNineTransferSyntaxesMatchesDcm2niix) {
  MEDPIPE_REQUIRE_SHARED_DATA("transfer-syntaxes");
  const DicomIndex index = indexDicomFolder(data("transfer-syntaxes/input"));
  ASSERT_EQ(index.volumes.size(), 9u);
  for (int series = 1; series <= 9; ++series) {
    SCOPED_TRACE(series);
    const auto volumes = volumesOfSeries(index, series);
    ASSERT_EQ(volumes.size(), 1u);
    EXPECT_EQ(volumes[0]->slices.size(), 35u);
    const auto ours = readVolume(*volumes[0], IrregularGeometry::Fail);
    const auto theirs = readImage(data("transfer-syntaxes/reference/" + std::to_string(series) + ".nii"));
    const auto cmp = test::compareInPhysicalSpace(*ours, *theirs, 1e-3);
    ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
    EXPECT_EQ(cmp.maxValueDifference, 0.0);
    std::printf(
        "[ figures  ] transfer syntax %d (%s): grid corners %.2g mm apart, max "
        "voxel difference %g\n",
        series, transferSyntaxName(volumes[0]->first().transferSyntaxUid).c_str(), cmp.maxCornerDistance,
        cmp.maxValueDifference);
  }
}

TEST(RealData, TwelveBitMosaicsMatchReference) {
  MEDPIPE_REQUIRE_SHARED_DATA("12bit");
  const DicomIndex index = indexDicomFolder(data("12bit/input"));
  ASSERT_EQ(index.volumes.size(), 3u);
  for (int series : {2, 3, 4}) {
    SCOPED_TRACE(series);
    const auto volumes = volumesOfSeries(index, series);
    ASSERT_EQ(volumes.size(), 1u);
    const auto ours = readVolume(*volumes[0], IrregularGeometry::Fail);
    const auto theirs = readImage(data("12bit/reference/" + std::to_string(series) + ".nii"));
    const auto cmp = test::compareInPhysicalSpace(*ours, *theirs, 1e-3);
    ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
    EXPECT_EQ(cmp.maxValueDifference, 0.0);
    std::printf(
        "[ figures  ] 12bit series %d: grid corners %.2g mm apart, max "
        "voxel difference %g\n",
        series, cmp.maxCornerDistance, cmp.maxValueDifference);
  }
}

}  // namespace medpipe
