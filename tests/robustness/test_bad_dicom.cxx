// Bad DICOM input: headers that lie about the size of their pixels, numbers that cannot be
// represented, absurd geometry, files that change after the scan, and the inputs the fuzzers
// (fuzz/) found. Each must end in medpipe::Error naming the file and field — never an abort
// inside GDCM, undefined behaviour, or an allocation of the size a header claims.
#include <gtest/gtest.h>

#include <chrono>
#include <sys/resource.h>

#include <functional>

#include "dicom_bytes.h"
#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_header.h"
#include "medpipe/io/dicom_index.h"
#include "test_support.h"

namespace medpipe {
namespace {

using test::SliceBytes;
namespace fs = std::filesystem;

long peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// How much the process's peak memory grew while `body` ran (MB): a header that made medpipe (or
// GDCM) allocate what it claims would show here.
long peakGrowthMb(const std::function<void()>& body) {
  const long before = peakRssMb();
  body();
  return peakRssMb() - before;
}

// The error readVolume gives for the only volume below `folder`.
std::string readError(const fs::path& folder, IrregularGeometry policy = IrregularGeometry::Resample) {
  const DicomIndex index = indexDicomFolder(folder);
  EXPECT_EQ(index.volumes.size(), 1u);
  if (index.volumes.size() != 1) return "";
  try {
    readVolume(index.volumes.front(), policy);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

class BadDicom : public ::testing::Test {
 protected:
  test::TempDir dir_{"bad-dicom"};
};

}  // namespace

TEST_F(BadDicom, HandmadeSlicesReadAsAVolume) {
  for (int k = 0; k < 3; ++k) SliceBytes(8, 6, k * 2.0, k + 1).write(dir_ / "in" / ("IM" + std::to_string(k)));
  const DicomIndex index = indexDicomFolder(dir_ / "in");
  ASSERT_EQ(index.volumes.size(), 1u);
  const auto image = readVolume(index.volumes.front(), IrregularGeometry::Fail);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 6u);
  EXPECT_EQ(size[1], 8u);
  EXPECT_EQ(size[2], 3u);
  EXPECT_EQ(image->GetBufferPointer()[7], 7.0f);
  EXPECT_DOUBLE_EQ(image->GetSpacing()[2], 2.0);
}

// Rows 65535 x Columns 65535 over 128 bytes of pixels: 8 GB claimed, refused before allocating.
TEST_F(BadDicom, GiganticRowsAndColumnsAreRefusedBeforeAnyAllocation) {
  SliceBytes slice(8, 8, 0);
  slice.set(0x0028, 0x0010, "US", test::u16(65535)).set(0x0028, 0x0011, "US", test::u16(65535));
  const fs::path file = slice.write(dir_ / "in" / "IM1");
  const std::string reason =
      "value length 128 is shorter than the header describes: 8589672450 bytes (Rows 65535 x Columns 65535 x "
      "NumberOfFrames 1 x SamplesPerPixel 1 x BitsAllocated 16 / 8)";

  const DicomHeader header = readDicomHeader(file);
  EXPECT_TRUE(header.isImage());
  EXPECT_EQ(header.pixelDataProblemField, "PixelData");
  EXPECT_EQ(header.pixelDataProblem, reason);
  std::string error;
  EXPECT_LT(peakGrowthMb([&] { error = readError(dir_ / "in"); }), 200);
  EXPECT_EQ(error, file.string() + ": PixelData: " + reason);

  const auto r = test::runMedpipe("convert " + quoted(dir_ / "in") + " -o " + quoted(dir_ / "out"));
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_EQ(r.err, "medpipe convert: error: " + file.string() + ": PixelData: " + reason + "\n");
  EXPECT_FALSE(fs::exists(dir_ / "out" / "7.nii.gz"));
}

TEST_F(BadDicom, NumberOfFramesBeyondWhatADicomFileCanHoldIsRefused) {
  SliceBytes slice(16, 16, 0);
  slice.set(0x0028, 0x0008, "IS", "2147483647");
  const DicomHeader header = readDicomHeader(slice.write(dir_ / "IM1"));
  EXPECT_EQ(header.pixelDataProblem,
            "value length 512 is shorter than the header describes: 1099511627264 bytes (Rows 16 x Columns 16 x "
            "NumberOfFrames 2147483647 x SamplesPerPixel 1 x BitsAllocated 16 / 8)");

  slice.set(0x0028, 0x0008, "IS", "10000000000");
  const fs::path file = slice.write(dir_ / "IM2");
  try {
    readDicomHeader(file);
    ADD_FAILURE() << "NumberOfFrames 1e10 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() + ": NumberOfFrames: value 1e+10 is out of range (0 to 2147483647)");
  }
}

// JPEG baseline: 100 bytes of compressed data cannot hold 1.8 GB of pixels.
TEST_F(BadDicom, CompressedPixelDataDescribingImplausiblyManyPixelsIsRefused) {
  SliceBytes slice(30000, 30000, 0);
  slice.transferSyntax = "1.2.840.10008.1.2.4.50";
  const std::string fragments = test::tagBytes(0xFFFE, 0xE000) + test::u32(0) + test::tagBytes(0xFFFE, 0xE000) +
                                test::u32(100) + std::string(100, '\x55') + test::tagBytes(0xFFFE, 0xE0DD) +
                                test::u32(0);
  slice.pixelData = test::tagBytes(0x7FE0, 0x0010) + "OB" + std::string(2, '\0') + test::u32(0xFFFFFFFF) + fragments;
  const fs::path file = slice.write(dir_ / "in" / "IM1");
  const std::string reason =
      "the header describes 1800000000 bytes (Rows 30000 x Columns 30000 x NumberOfFrames 1 x SamplesPerPixel 1 x "
      "BitsAllocated 16 / 8), implausibly many for 100 bytes of compressed data (at most 1000 times as many, or 64 MiB)";
  EXPECT_EQ(readDicomHeader(file).pixelDataProblem, reason);
  std::string error;
  EXPECT_LT(peakGrowthMb([&] { error = readError(dir_ / "in"); }), 200);
  EXPECT_EQ(error, file.string() + ": PixelData: " + reason);

  // Beyond the 4 GB a native PixelData value can hold, whatever the compression.
  slice.set(0x0028, 0x0010, "US", test::u16(65535)).set(0x0028, 0x0011, "US", test::u16(65535));
  EXPECT_EQ(readDicomHeader(slice.write(dir_ / "IM2")).pixelDataProblem,
            "the header describes 8589672450 bytes (Rows 65535 x Columns 65535 x NumberOfFrames 1 x SamplesPerPixel 1 x "
            "BitsAllocated 16 / 8), more than a DICOM file can hold");
}

TEST_F(BadDicom, NonFiniteAndOutOfRangeNumbersNameTheirField) {
  struct Case {
    uint16_t group, element;
    const char* vr;
    std::string value;
    std::string expected;  // after "<file>: "
  };
  const std::vector<Case> cases = {
      {0x0020, 0x0032, "DS", "nan\\0\\0", "ImagePositionPatient: 'nan' is not a finite number"},
      {0x0028, 0x0030, "DS", "inf\\1", "PixelSpacing: 'inf' is not a finite number"},
      {0x0028, 0x1053, "DS", "1e999", "RescaleSlope: '1e999' is not a number"},
      {0x0020, 0x0013, "IS", "99999999999", "InstanceNumber: value 1e+11 is out of range (-2147483648 to 2147483647)"},
      {0x0020, 0x0011, "IS", "-3000000000", "SeriesNumber: value -3e+09 is out of range (-2147483648 to 2147483647)"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SliceBytes slice(4, 4, 0);
    slice.set(c.group, c.element, c.vr, c.value);
    const fs::path file = slice.write(dir_ / ("IM" + std::to_string(++n)));
    try {
      readDicomHeader(file);
      ADD_FAILURE() << c.value << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), file.string() + ": " + c.expected);
    }
  }
}

// Slices at z = 0, 1, 2 and 1e7 mm: resampling would need 16 x 16 x 10000001 voxels.
TEST_F(BadDicom, AbsurdSliceGapsAreRefusedBeforeResampling) {
  int n = 0;
  for (double z : {0.0, 1.0, 2.0, 1e7}) {
    ++n;
    SliceBytes(16, 16, z, n).write(dir_ / "in" / ("IM" + std::to_string(n)));
  }
  std::string error;
  EXPECT_LT(peakGrowthMb([&] { error = readError(dir_ / "in"); }), 200);
  EXPECT_EQ(error, (dir_ / "in").string() +
                       ": ImagePositionPatient: resampling onto a regular grid needs 16 x 16 x 10000001 voxels, "
                       "more than the limit of 2147483648 per volume");
  EXPECT_EQ(readError(dir_ / "in", IrregularGeometry::Fail),
            (dir_ / "in").string() + ": ImagePositionPatient: irregular slice geometry: non-uniform spacing 1-1e+07 mm");
}

TEST_F(BadDicom, PositionsWhoseDifferenceOverflowAreRefused) {
  SliceBytes(4, 4, 0, 1).set(0x0020, 0x0032, "DS", "0\\0\\1e308").write(dir_ / "in" / "IM1");
  SliceBytes(4, 4, 0, 2).set(0x0020, 0x0032, "DS", "0\\0\\-1e308").write(dir_ / "in" / "IM2");
  const std::string error = readError(dir_ / "in");
  EXPECT_NE(error.find(": ImagePositionPatient: positions out of range"), std::string::npos) << error;
}

// The file is checked again when its pixels are read: it may have been replaced since the scan.
TEST_F(BadDicom, FileReplacedAfterTheScanIsCheckedAgainBeforeGdcmReadsIt) {
  for (int k = 0; k < 3; ++k) SliceBytes(8, 8, k, k + 1).write(dir_ / "in" / ("IM" + std::to_string(k + 1)));
  const DicomIndex index = indexDicomFolder(dir_ / "in");
  ASSERT_EQ(index.volumes.size(), 1u);

  const std::string replaced = (dir_ / "in" / "IM2").string();
  auto readError = [&]() -> ErrorInfo {  // what reading the scanned series now fails with
    try {
      readVolume(index.volumes.front(), IrregularGeometry::Resample);
    } catch (const Error& e) {
      return e.info();
    }
    return {"", "", "no error: the replaced file was read"};
  };

  // A structurally broken stream (an element length past the end) where a good slice was.
  const std::string good = SliceBytes(8, 8, 1, 2).bytes();
  const std::string brokenHead = good.substr(0, good.size() - 140) + test::tagBytes(0x0029, 0x0010) + "LO" + test::u16(0x4000);
  test::writeBytes(replaced, brokenHead + "abc");
  ErrorInfo error = readError();
  EXPECT_EQ(error.path, replaced) << error.reason;

  // The same size, broken the same way, written later: its time gives it away.
  ASSERT_EQ(brokenHead.size() + 132, good.size());
  test::writeBytes(replaced, brokenHead + std::string(132, 'a'));
  std::filesystem::last_write_time(replaced, std::filesystem::file_time_type::clock::now() + std::chrono::seconds(2));
  error = readError();
  EXPECT_EQ(error.path, replaced) << error.reason;

  // A well-formed file of another size.
  SliceBytes(16, 16, 1, 2).write(replaced);
  EXPECT_EQ(formatError(readError()), replaced + ": file changed since the scan (image size or pixel format differs)");
}

// Found by fuzz_dicom_header (libFuzzer "out-of-memory (malloc(3082270648))"): PixelData claims
// 3 GB in a 1.6 kB file. The structural check lets such a file through (only its pixels are bad),
// and GDCM's header read then allocated the claimed length; the header read now skips the value.
TEST_F(BadDicom, FuzzPixelDataLengthFarPastTheEndOfTheFile) {
  SliceBytes slice(16, 16, 0);
  slice.pixelData = test::tagBytes(0x7FE0, 0x0010) + "OW" + std::string(2, '\0') + test::u32(3082270647u) +
                    std::string(512, '\xB7');
  const fs::path file = slice.write(dir_ / "in" / "IM1");
  DicomHeader header;
  EXPECT_LT(peakGrowthMb([&] { header = readDicomHeader(file); }), 200);
  EXPECT_TRUE(header.isImage());
  EXPECT_EQ(header.pixelDataProblemField, "PixelData");
  EXPECT_EQ(header.pixelDataProblem, "value length 3082270647 runs past the end of the file (truncated?)");
  EXPECT_EQ(readError(dir_ / "in"),
            file.string() + ": PixelData: value length 3082270647 runs past the end of the file (truncated?)");
}

// Found by fuzz_dicom_header (GDCM abort at gdcmExplicitDataElement.txx:104 "Should not happen"):
// a damaged deflate stream. Deflated data sets used to pass unchecked; they are now inflated,
// walked, and GDCM reads the inflated copy.
TEST_F(BadDicom, FuzzDamagedDeflateStreamIsRefusedBeforeGdcm) {
  SliceBytes slice(4, 4, 0);
  slice.transferSyntax = "1.2.840.10008.1.2.1.99";
  const std::string meta = slice.bytes().substr(0, test::metaHeader(slice.transferSyntax).size());
  const fs::path file = test::writeBytes(dir_ / "IM1", meta + "\x78\x9c\x05\xc1\x81 damaged deflate stream");
  try {
    readDicomHeader(file);
    ADD_FAILURE() << "a damaged deflate stream was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.info().path, file.string());
    EXPECT_EQ(e.info().reason.rfind("deflated data set cannot be inflated", 0), 0u) << e.what();
  }
}

// Found by fuzz_series_reader (GDCM abort at gdcmAttribute.h:445, VR compatibility): an attribute
// GDCM's image reader reads through gdcm::Attribute, with a VR that is not the dictionary's.
TEST_F(BadDicom, FuzzAttributeWithTheWrongVrIsRefusedBeforeGdcmReadsPixels) {
  SliceBytes slice(4, 4, 0);
  slice.set(0x0028, 0x0103, "DS", "1");
  const fs::path file = slice.write(dir_ / "in" / "IM1");
  const DicomHeader header = readDicomHeader(file);
  EXPECT_EQ(header.pixelDataProblemField, "PixelRepresentation");
  EXPECT_EQ(header.pixelDataProblem, "VR DS where the standard has US");
  EXPECT_EQ(readError(dir_ / "in"), file.string() + ": PixelRepresentation: VR DS where the standard has US");
}

// Found by fuzz_series_reader (GDCM abort at gdcmPixelFormat.h:96).
TEST_F(BadDicom, FuzzSamplesPerPixelOtherThan134IsRefusedBeforeGdcmReadsPixels) {
  SliceBytes slice(4, 4, 0);
  slice.set(0x0028, 0x0002, "US", test::u16(2));
  const fs::path file = slice.write(dir_ / "in" / "IM1");
  EXPECT_EQ(readError(dir_ / "in"), file.string() + ": SamplesPerPixel: value 2 is not 1, 3 or 4");
}

// Found by fuzz_dicom_header (out-of-memory, malloc(3759013886)): pixel data inside a sequence item
// claiming 3.7 GB. Only the top-level PixelData may be cut (GDCM skips it); nested, it is refused.
TEST_F(BadDicom, FuzzHugePixelDataInsideASequenceIsRefused) {
  SliceBytes slice(4, 4, 0);
  slice.transferSyntax = "1.2.840.10008.1.2";
  slice.implicitVr = true;
  const std::string nested = test::implicitElement(0x0001, 0x0010, "x") + test::tagBytes(0x7FE0, 0x0010) +
                             test::u32(3759013886u) + "abcd";
  slice.set(0x0029, 0x1010, "SQ", test::tagBytes(0xFFFE, 0xE000) + test::u32(0xFFFFFFFF) + nested);
  std::string bytes = slice.bytes();
  // The sequence is of undefined length: re-encode its length field.
  const std::string header = test::tagBytes(0x0029, 0x1010);
  const size_t at = bytes.find(header);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at + 4, 4, test::u32(0xFFFFFFFF));
  const fs::path file = test::writeBytes(dir_ / "IM1", bytes);
  EXPECT_LT(peakGrowthMb([&] {
              try {
                readDicomHeader(file);
                ADD_FAILURE() << "accepted";
              } catch (const Error& e) {
                EXPECT_EQ(e.info().field, "(7FE0,0010)") << e.what();
              }
            }),
            200);
}

// Found by fuzz_dicom_header on Debian's pydicom test file SC_rgb_jpeg.dcm (1.3 GB allocated): the
// meta header says JPEG baseline (explicit VR), the data set is implicit VR. GDCM tries explicit
// first and allocates whatever length that misreading yields; it is now given a corrected copy.
TEST_F(BadDicom, FuzzImplicitDataSetBehindAnExplicitMetaHeaderCostsNoMemory) {
  const fs::path sample = "/usr/lib/python3/dist-packages/pydicom/data/test_files/SC_rgb_jpeg.dcm";
  if (!fs::exists(sample)) GTEST_SKIP() << sample << " is absent (apt-get install python3-pydicom)";
  DicomHeader header;
  EXPECT_LT(peakGrowthMb([&] { header = readDicomHeader(sample); }), 200);
  EXPECT_TRUE(header.needsCorrectedStream);
  EXPECT_EQ(header.transferSyntaxUid, "1.2.840.10008.1.2.4.50");
  EXPECT_EQ(header.rows, 256u);
  EXPECT_EQ(header.columns, 256u);
}

// The same mismatch on a native slice (and the fuzz finding that the corrected copy of a file
// without pixel data lost its data set): header and pixels read as the data set is encoded.
TEST_F(BadDicom, FuzzImplicitDataSetBehindAnExplicitMetaHeaderReadsCorrectly) {
  SliceBytes slice(8, 6, 0);
  slice.implicitVr = true;  // meta header: explicit VR little endian
  slice.write(dir_ / "in" / "IM1");
  const DicomIndex index = indexDicomFolder(dir_ / "in");
  ASSERT_EQ(index.volumes.size(), 1u);
  EXPECT_TRUE(index.volumes.front().first().needsCorrectedStream);
  const auto image = readVolume(index.volumes.front(), IrregularGeometry::Fail);
  EXPECT_EQ(image->GetLargestPossibleRegion().GetSize()[0], 6u);
  EXPECT_EQ(image->GetBufferPointer()[7], 7.0f);

  SliceBytes noPixels(8, 6, 0);
  noPixels.implicitVr = true;
  noPixels.pixelData = test::implicitElement(0x7FE1, 0x0010, "not pixels");
  const DicomHeader header = readDicomHeader(noPixels.write(dir_ / "IM2"));
  EXPECT_EQ(header.modality, "CT");
  EXPECT_FALSE(header.hasPixelData);
}

// Found by fuzz_series_reader (GDCM abort at gdcmPixmapReader.cxx:633): a RecognitionCode
// (0008,0010, retired ACR-NEMA) GDCM asserts on. The accepted values still read.
TEST_F(BadDicom, FuzzRecognitionCodeGdcmAssertsOnIsRefused) {
  SliceBytes slice(4, 4, 0);
  slice.set(0x0008, 0x0010, "LO", "ACR-NEMX");
  const fs::path file = slice.write(dir_ / "bad" / "IM1");
  EXPECT_EQ(readError(dir_ / "bad"),
            file.string() + ": RecognitionCode: 'ACR-NEMX' is not an ACR-NEMA recognition code GDCM can read");
  slice.set(0x0008, 0x0010, "LO", "ACR-NEMA 2.0").write(dir_ / "good" / "IM1");
  EXPECT_EQ(readError(dir_ / "good"), "(no error)");
}

// Found by fuzz_dicom_header (GDCM abort at gdcmStringFilter.cxx:419): in implicit VR, an
// undefined length makes ImagePositionPatient a sequence, which GDCM's StringFilter asserts on.
TEST_F(BadDicom, FuzzSequenceWhereANumberIsExpectedReadsAsAbsent) {
  SliceBytes slice(4, 4, 0);
  slice.transferSyntax = "1.2.840.10008.1.2";
  slice.implicitVr = true;
  const std::string items = test::tagBytes(0xFFFE, 0xE000) + test::u32(0xFFFFFFFF) +
                            test::implicitElement(0x0008, 0x0100, "x") + test::tagBytes(0xFFFE, 0xE00D) + test::u32(0) +
                            test::tagBytes(0xFFFE, 0xE0DD) + test::u32(0);
  slice.set(0x0020, 0x0032, "DS", items);
  std::string bytes = slice.bytes();
  const size_t at = bytes.find(test::tagBytes(0x0020, 0x0032));
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at + 4, 4, test::u32(0xFFFFFFFF));
  const DicomHeader header = readDicomHeader(test::writeBytes(dir_ / "IM1", bytes));
  EXPECT_FALSE(header.imagePosition);
  EXPECT_EQ(header.rows, 4u);
}

// Found by fuzz_dicom_header (GDCM abort at gdcmFileMetaInformation.cxx:375): a "deflate stream"
// that inflates to nothing; GDCM would read a file that ends with its meta header.
TEST_F(BadDicom, FuzzDeflatedDataSetThatInflatesToNothingIsRefused) {
  const std::string meta = test::metaHeader("1.2.840.10008.1.2.1.99");
  const fs::path file = test::writeBytes(dir_ / "IM1", meta + std::string("\x03\x00", 2));  // an empty final block
  try {
    readDicomHeader(file);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), file.string() + ": deflated data set is empty");
  }
}

// Found by fuzz_series_reader (out-of-memory, malloc(892416302)): a TransferSyntaxUID with a NUL
// inside. GDCM reads it up to the NUL ("1.2.840.10008.1.2.2", explicit big endian) while the check
// walked the data set as little endian; both now read it as GDCM does.
TEST_F(BadDicom, FuzzTransferSyntaxWithANulInsideIsReadAsGdcmReadsIt) {
  SliceBytes slice(4, 4, 0);
  slice.transferSyntax = std::string("1.2.840.10008.1.2.2\0 UI2 1.2.3", 31);  // data set: little endian
  const fs::path file = slice.write(dir_ / "IM1");
  EXPECT_LT(peakGrowthMb([&] {
              try {
                readDicomHeader(file);
                ADD_FAILURE() << "a little-endian data set was read as big endian";
              } catch (const Error& e) {
                EXPECT_EQ(e.info().path, file.string());
              }
            }),
            200);
}

// Found by fuzz_dicom_header (out-of-memory, malloc(1330413824)): a big-endian file padded with
// zeros. GDCM fails on the padding and re-reads the whole data set as little endian (a fallback for
// broken files), where lengths are garbage; padding is only accepted in little endian now.
TEST_F(BadDicom, FuzzZeroPaddingAfterABigEndianDataSetIsRefused) {
  auto be16 = [](uint16_t v) { return std::string{char(v >> 8), char(v & 0xFF)}; };
  const std::string modality = be16(0x0008) + be16(0x0060) + "CS" + be16(2) + "CT";
  const fs::path file = test::writeBytes(dir_ / "IM1", test::metaHeader("1.2.840.10008.1.2.2") + modality + std::string(64, '\0'));
  try {
    readDicomHeader(file);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), file.string() + ": (0000,0000): invalid VR (bytes 00 00)");
  }
}

}  // namespace medpipe
