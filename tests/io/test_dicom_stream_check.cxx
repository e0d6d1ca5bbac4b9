// checkDicomStream on files written byte by byte here, plus a few of Debian's pydicom test files.
#include "medpipe/io/dicom_stream_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

namespace fs = std::filesystem;
using medpipe::checkDicomStream;

namespace {

constexpr uint32_t kUndefined = 0xFFFFFFFFu;
constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";
constexpr const char* kImplicitLittle = "1.2.840.10008.1.2";
constexpr const char* kJpegBaseline = "1.2.840.10008.1.2.4.50";

std::string u16(uint16_t v) { return {char(v & 0xFF), char(v >> 8)}; }
std::string u32(uint32_t v) { return u16(uint16_t(v & 0xFFFF)) + u16(uint16_t(v >> 16)); }
std::string tag(uint16_t group, uint16_t element) { return u16(group) + u16(element); }

bool longVr(const std::string& vr) {
  const std::string longVrs = "OBODOFOLOVOWSQUCUNURUTSVUV";
  for (size_t i = 0; i < longVrs.size(); i += 2)
    if (longVrs.compare(i, 2, vr) == 0) return true;
  return false;
}

// Explicit VR little endian header; `length` may be kUndefined for long VRs.
std::string explicitHeader(uint16_t group, uint16_t element, const std::string& vr, uint32_t length) {
  if (longVr(vr)) return tag(group, element) + vr + std::string(2, '\0') + u32(length);
  return tag(group, element) + vr + u16(uint16_t(length));
}

std::string explicitElement(uint16_t group, uint16_t element, const std::string& vr, std::string value) {
  if (value.size() % 2) value += (vr == "UI" || vr == "OB") ? '\0' : ' ';
  return explicitHeader(group, element, vr, uint32_t(value.size())) + value;
}

std::string implicitElement(uint16_t group, uint16_t element, std::string value) {
  if (value.size() % 2) value += ' ';
  return tag(group, element) + u32(uint32_t(value.size())) + value;
}

std::string item(const std::string& content) { return tag(0xFFFE, 0xE000) + u32(uint32_t(content.size())) + content; }
std::string undefinedItem(const std::string& content) {
  return tag(0xFFFE, 0xE000) + u32(kUndefined) + content + tag(0xFFFE, 0xE00D) + u32(0);
}
std::string sequenceEnd() { return tag(0xFFFE, 0xE0DD) + u32(0); }

std::string metaHeader(const std::string& transferSyntax) {
  const std::string elements = explicitElement(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                               explicitElement(0x0002, 0x0010, "UI", transferSyntax);
  return std::string(128, '\0') + "DICM" + explicitElement(0x0002, 0x0000, "UL", u32(uint32_t(elements.size()))) +
         elements;
}

// A Part 10 file; `boundaries` holds the offsets where a data set element ends.
struct TestFile {
  std::string bytes;
  std::vector<size_t> boundaries;
  TestFile& add(const std::string& element) {
    bytes += element;
    boundaries.push_back(bytes.size());
    return *this;
  }
};

// About 330 bytes: meta header, a few elements, a defined-length sequence and 4x4 16-bit pixels.
TestFile smallExplicitFile() {
  TestFile file{metaHeader(kExplicitLittle), {}};
  const std::string nested = explicitElement(0x0008, 0x1150, "UI", "1.2.3") + explicitElement(0x0008, 0x1155, "UI", "4.5");
  file.add(explicitElement(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"))
      .add(explicitElement(0x0008, 0x1140, "SQ", item(nested)))
      .add(explicitElement(0x0010, 0x0010, "PN", "Doe^Jane"))
      .add(explicitElement(0x0028, 0x0010, "US", u16(4)))
      .add(explicitElement(0x0028, 0x0011, "US", u16(4)))
      .add(explicitElement(0x0028, 0x0100, "US", u16(16)))
      .add(explicitElement(0x7FE0, 0x0010, "OW", std::string(32, '\x7')));
  return file;
}

class DicomStreamCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("medpipe_stream_check_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& bytes, const std::string& name = "file.dcm") {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
  }

  std::optional<medpipe::StreamProblem> check(const std::string& bytes) { return checkDicomStream(write(bytes)); }

  fs::path dir_;
};

TEST_F(DicomStreamCheck, WellFormedExplicitFilePasses) {
  const auto problem = check(smallExplicitFile().bytes);
  EXPECT_FALSE(problem) << problem->field << ": " << problem->reason;
}

TEST_F(DicomStreamCheck, ImplicitFilesPassWithAndWithoutMetaHeader) {
  const std::string dataSet = implicitElement(0x0008, 0x0016, "1.2.840.10008.5.1.4.1.1.7") +
                              implicitElement(0x0028, 0x0010, u16(2)) + implicitElement(0x7FE0, 0x0010, "abcd");
  EXPECT_FALSE(check(metaHeader(kImplicitLittle) + dataSet));
  EXPECT_FALSE(check(dataSet));  // no preamble: implicit VR guessed from the first element
}

TEST_F(DicomStreamCheck, TruncationIsReportedUnlessAtAnElementBoundary) {
  const TestFile file = smallExplicitFile();
  ASSERT_GT(file.bytes.size(), 300u);
  for (size_t size = 0; size < file.bytes.size(); ++size) {
    const auto problem = check(file.bytes.substr(0, size));
    const bool boundary = std::count(file.boundaries.begin(), file.boundaries.end(), size) > 0;
    if (boundary)
      EXPECT_FALSE(problem) << "cut at element boundary " << size << ": " << problem->reason;
    else
      EXPECT_TRUE(problem) << "cut at " << size << " of " << file.bytes.size() << " was accepted";
  }
}

TEST_F(DicomStreamCheck, HugeLengthIsReportedWithItsField) {
  const std::string dataSet = implicitElement(0x0008, 0x0016, "1.2.3") + tag(0x0028, 0x0010) + u32(4294967000u) + "ab";
  const std::string bytes = metaHeader(kImplicitLittle) + dataSet;
  const auto problem = check(bytes);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->field, "(0028,0010)");
  EXPECT_EQ(problem->reason, "value length 4294967000 runs past the end of the file (file is " +
                                 std::to_string(bytes.size()) + " bytes)");

  const auto pixels = check(metaHeader(kExplicitLittle) + explicitHeader(0x7FE0, 0x0010, "OW", 512) + "ab");
  ASSERT_TRUE(pixels);
  EXPECT_EQ(pixels->field, "PixelData");
  EXPECT_EQ(pixels->reason, "value length 512 runs past the end of the file (truncated?)");
}

TEST_F(DicomStreamCheck, LengthPastTheEnclosingItemIsReported) {
  const std::string inner = explicitElement(0x0008, 0x1150, "UI", "1.2.3");
  const std::string tooLong = explicitHeader(0x0008, 0x1155, "UI", 40) + "4.5";  // item holds 11 bytes
  const auto problem = check(metaHeader(kExplicitLittle) +
                             explicitElement(0x0008, 0x1140, "SQ", item(inner + tooLong)) + std::string(64, ' '));
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->field, "(0008,1155)");
  EXPECT_NE(problem->reason.find("enclosing item"), std::string::npos) << problem->reason;
}

TEST_F(DicomStreamCheck, GarbageVrIsReported) {
  for (const std::string& vr : {std::string("\x01\x02", 2), std::string("pn"), std::string("ZZ")}) {
    const auto problem = check(metaHeader(kExplicitLittle) + explicitElement(0x0008, 0x0016, "UI", "1.2") +
                               tag(0x0010, 0x0010) + vr + u16(4) + "Doe^");
    ASSERT_TRUE(problem) << vr;
    EXPECT_EQ(problem->field, "(0010,0010)");
    EXPECT_NE(problem->reason.find("invalid VR"), std::string::npos) << problem->reason;
  }
}

TEST_F(DicomStreamCheck, NestedSequencesOfDefinedAndUndefinedLengthPass) {
  const std::string leaf = explicitElement(0x0008, 0x0100, "SH", "T-D1100");
  const std::string definedSq = explicitElement(0x0008, 0x2218, "SQ", item(leaf) + item(leaf));
  const std::string undefinedSq = explicitHeader(0x0040, 0x0260, "SQ", kUndefined) +
                                  undefinedItem(definedSq) + undefinedItem(leaf) + sequenceEnd();
  const std::string unSequence = explicitHeader(0x0009, 0x1010, "UN", kUndefined) +
                                 undefinedItem(implicitElement(0x0009, 0x1011, "abc")) + sequenceEnd();
  const std::string bytes = metaHeader(kExplicitLittle) + explicitElement(0x0008, 0x0016, "UI", "1.2") +
                            unSequence + explicitElement(0x0010, 0x0010, "PN", "Doe") + undefinedSq;
  const auto problem = check(bytes);
  EXPECT_FALSE(problem) << problem->field << ": " << problem->reason;

  // Implicit VR: undefined length means a sequence; a defined-length value opening with an item is one too.
  const std::string implicitLeaf = implicitElement(0x0008, 0x0100, "T-D1100");
  const std::string implicitSq = tag(0x0040, 0x0260) + u32(kUndefined) + undefinedItem(implicitLeaf) +
                                 item(implicitElement(0x0008, 0x2218, item(implicitLeaf))) + sequenceEnd();
  EXPECT_FALSE(check(metaHeader(kImplicitLittle) + implicitElement(0x0008, 0x0016, "1.2") + implicitSq));

  // Missing sequence delimiter at the end of the file; missing item delimiter in a defined-length sequence.
  EXPECT_TRUE(check(metaHeader(kExplicitLittle) + explicitHeader(0x0040, 0x0260, "SQ", kUndefined) + undefinedItem(leaf)));
  const std::string openItem = tag(0xFFFE, 0xE000) + u32(kUndefined) + leaf;
  const auto problem2 = check(metaHeader(kExplicitLittle) + explicitElement(0x0040, 0x0260, "SQ", openItem) +
                              explicitElement(0x0040, 0x0275, "SQ", ""));
  ASSERT_TRUE(problem2);
  EXPECT_EQ(problem2->reason, "item has no delimiter before the end of its sequence");
}

TEST_F(DicomStreamCheck, NestingDeeperThan32IsReported) {
  const auto nest = [](int levels) {
    std::string content = explicitElement(0x0008, 0x0100, "SH", "X");
    for (int i = 0; i < levels; ++i)
      content = explicitHeader(0x0040, 0x0260, "SQ", kUndefined) + undefinedItem(content) + sequenceEnd();
    return metaHeader(kExplicitLittle) + content;
  };
  EXPECT_FALSE(check(nest(32)));
  const auto problem = check(nest(33));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->reason.find("nested deeper"), std::string::npos) << problem->reason;
}

TEST_F(DicomStreamCheck, EncapsulatedPixelDataPassesAndATruncatedFragmentIsReported) {
  const std::string head = metaHeader(kJpegBaseline) + explicitElement(0x0028, 0x0010, "US", u16(4)) +
                           explicitHeader(0x7FE0, 0x0010, "OB", kUndefined) + item("");  // empty offset table
  const std::string fragments = item(std::string(16, '\xAB')) + item(std::string(6, '\xCD'));
  const auto problem = check(head + fragments + sequenceEnd());
  EXPECT_FALSE(problem) << problem->field << ": " << problem->reason;

  const auto cut = check(head + fragments.substr(0, 20));
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->field, "PixelData");
  EXPECT_NE(cut->reason.find("fragment length 16"), std::string::npos) << cut->reason;

  const auto noDelimiter = check(head + fragments);
  ASSERT_TRUE(noDelimiter);
  EXPECT_EQ(noDelimiter->field, "PixelData");
}

TEST_F(DicomStreamCheck, TagsOutOfOrderAreReported) {
  const auto problem = check(metaHeader(kExplicitLittle) + explicitElement(0x0010, 0x0010, "PN", "Doe") +
                             explicitElement(0x0008, 0x0016, "UI", "1.2"));
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->field, "(0008,0016)");
  EXPECT_NE(problem->reason.find("tags out of order"), std::string::npos) << problem->reason;
}

TEST_F(DicomStreamCheck, UndefinedLengthOutsideSqUnAndPixelDataIsReported) {
  const auto problem = check(metaHeader(kExplicitLittle) + explicitHeader(0x0008, 0x0100, "OB", kUndefined) + "ab");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->field, "(0008,0100)");
}

TEST_F(DicomStreamCheck, MetaHeaderProblemsAreReported) {
  const std::string element = explicitElement(0x0008, 0x0016, "UI", "1.2");
  const std::string noSyntax = std::string(128, '\0') + "DICM" + explicitElement(0x0002, 0x0001, "OB", "\1\1") + element;
  const auto missing = check(noSyntax);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->field, "TransferSyntaxUID");
  EXPECT_EQ(missing->reason, "missing from the meta header");

  EXPECT_TRUE(check(metaHeader(kExplicitLittle)));  // no data set after the meta header
  const auto tooShort = check("hello");
  ASSERT_TRUE(tooShort);
  EXPECT_EQ(tooShort->reason, "too short to be DICOM");
  EXPECT_TRUE(check(""));
  EXPECT_TRUE(checkDicomStream(dir_ / "does-not-exist.dcm"));
}

// A deflated data set is inflated and walked like any other (GDCM aborts on a damaged one).
TEST_F(DicomStreamCheck, DeflatedDataSetIsInflatedAndWalked) {
  const std::string meta = metaHeader("1.2.840.10008.1.2.1.99");
  const auto garbage = check(meta + "\x78\x9c garbage deflate stream");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->reason.rfind("deflated data set cannot be inflated", 0), 0u) << garbage->reason;

  const TestFile file = smallExplicitFile();
  const std::string dataSet = file.bytes.substr(metaHeader(kExplicitLittle).size());
  std::string deflated(dataSet.size() + 64, '\0');
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(dataSet.data()));
  z.avail_in = uInt(dataSet.size());
  z.next_out = reinterpret_cast<Bytef*>(&deflated[0]);
  z.avail_out = uInt(deflated.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  deflated.resize(z.total_out);
  deflateEnd(&z);
  const auto layout = medpipe::inspectDicomStream(write(meta + deflated));
  EXPECT_FALSE(layout.problem) << layout.problem->reason;
  EXPECT_TRUE(layout.deflated && layout.hasPixelData);
  EXPECT_EQ(layout.pixelDataLength, 32u);
  const auto cut = check(meta + deflated.substr(0, deflated.size() / 2));
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->reason, "deflated data set ends early (truncated?)");
}

TEST_F(DicomStreamCheck, ZeroPaddingIsAccepted) {
  const std::string good = smallExplicitFile().bytes;
  EXPECT_FALSE(check(good + std::string(1000, '\0')));  // some scanners pad; GDCM stops at (0000,0000)
  EXPECT_TRUE(check(good + std::string(16, '\0') + "x"));
}

// Files of Debian's python3-pydicom that GDCM 3.0.21's gdcminfo reads (exit 0), checked by hand.
TEST(DicomStreamCheckPydicom, FilesGdcmReadsAreAccepted) {
  const fs::path folder = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
  if (!fs::is_directory(folder)) GTEST_SKIP() << folder << " is absent (apt-get install python3-pydicom)";
  for (const char* name : {"CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm",
                           "ExplVR_BigEndNoMeta.dcm", "ExplVR_LitEndNoMeta.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm",
                           "JPEG2000-embedded-sequence-delimiter.dcm", "image_dfl.dcm", "SC_rgb_jpeg.dcm"}) {
    if (!fs::exists(folder / name)) continue;  // another pydicom version
    const auto problem = checkDicomStream(folder / name);
    EXPECT_FALSE(problem) << name << ": " << problem->field << ": " << problem->reason;
  }
  // GDCM reads this one (it tolerates a cut pixel data element); medpipe refuses it.
  if (fs::exists(folder / "MR_truncated.dcm")) {
    const auto problem = checkDicomStream(folder / "MR_truncated.dcm");
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->field, "PixelData");
  }
}

}  // namespace
