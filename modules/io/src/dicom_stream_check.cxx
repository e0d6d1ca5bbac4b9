#include "medpipe/io/dicom_stream_check.h"

#include <algorithm>
#include <vector>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include <zlib.h>

#include "medpipe/io/resource_limits.h"

namespace medpipe {
namespace {

using Problem = std::optional<StreamProblem>;

constexpr uint32_t kUndefinedLength = 0xFFFFFFFFu;
constexpr int kMaxDepth = 32;
constexpr uint32_t kMetaGroupLength = 0x00020000, kTransferSyntax = 0x00020010;
constexpr uint32_t kPixelData = 0x7FE00010;
constexpr uint32_t kItem = 0xFFFEE000, kItemEnd = 0xFFFEE00D, kSequenceEnd = 0xFFFEE0DD;
constexpr const char* kImplicitLittle = "1.2.840.10008.1.2";
constexpr const char* kExplicitLittle = "1.2.840.10008.1.2.1";
constexpr const char* kExplicitBig = "1.2.840.10008.1.2.2";
constexpr const char* kDeflated = "1.2.840.10008.1.2.1.99";

struct Encoding {
  bool explicitVr = true;
  bool bigEndian = false;
};

struct Header {
  uint32_t tag = 0;
  char vr[2] = {0, 0};  // zero for implicit VR and for item/delimiter tags
  uint32_t length = 0;
  uint64_t valueStart = 0;
  bool isVr(const char* name) const { return vr[0] == name[0] && vr[1] == name[1]; }
};

bool inPairs(const char* pairs, const char* vr) {
  for (const char* p = pairs; *p; p += 2)
    if (p[0] == vr[0] && p[1] == vr[1]) return true;
  return false;
}

bool isKnownVr(const char* vr) {
  return inPairs("AEASATCSDADSDTFLFDISLOLTOBODOFOLOVOWPNSHSLSQSSSTSVTMUCUIULUNURUSUTUV", vr);
}

// VRs whose explicit header is 2 reserved bytes + a 32-bit length (PS3.5 7.1.2).
bool hasLongLength(const char* vr) { return inPairs("OBODOFOLOVOWSQUCUNURUTSVUV", vr); }

std::string tagText(uint32_t tag) {
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", unsigned(tag >> 16), unsigned(tag & 0xFFFF));
  return text;
}

uint32_t number(const unsigned char* p, int bytes, bool bigEndian) {
  uint32_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint32_t(p[bigEndian ? bytes - 1 - i : i]) << (8 * i);
  return value;
}

// The raw deflate stream (PS3.5 A.5) from pos to the end of `in`, inflated into `out`.
Problem inflateDataSet(std::istream& in, uint64_t pos, uint64_t size, std::string& out) {
  std::string compressed(size_t(size - pos), '\0');
  in.clear();
  in.seekg(std::streamoff(pos));
  if (!in.read(&compressed[0], std::streamsize(compressed.size()))) return StreamProblem{"", "cannot read the file"};
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return StreamProblem{"", "cannot inflate the deflated data set"};
  z.next_in = reinterpret_cast<Bytef*>(&compressed[0]);
  z.avail_in = uInt(compressed.size());
  std::string chunk(1 << 16, '\0');
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(&chunk[0]);
    z.avail_out = uInt(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, 0, chunk.size() - z.avail_out);
    if (out.size() > kMaxInflatedDataSetBytes) rc = Z_MEM_ERROR;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // the input ended inside the stream
  }
  const std::string message = z.msg ? z.msg : "";
  inflateEnd(&z);
  if (rc == Z_STREAM_END) return std::nullopt;
  if (out.size() > kMaxInflatedDataSetBytes)
    return StreamProblem{"", "deflated data set inflates to more than " + std::to_string(kMaxInflatedDataSetBytes >> 20) + " MiB"};
  if (rc == Z_BUF_ERROR || rc == Z_OK) return StreamProblem{"", "deflated data set ends early (truncated?)"};
  return StreamProblem{"", "deflated data set cannot be inflated" + (message.empty() ? "" : ": " + message)};
}

class StreamWalker {
 public:
  StreamWalker(std::istream& in, uint64_t size, DicomStreamLayout& layout) : in_(in), size_(size), layout_(layout) {}

  static constexpr size_t kWindowBytes = 16384;

  Problem check() {
    unsigned char start[132] = {};
    if (!read(0, start, size_t(std::min<uint64_t>(size_, 132)))) return StreamProblem{"", "cannot read the file"};
    const bool part10 = size_ >= 132 && std::memcmp(start + 128, "DICM", 4) == 0;
    uint64_t pos = part10 ? 132 : 0;
    if (!part10 && !looksLikeDataSet(start))
      return StreamProblem{"", size_ < 132 ? "too short to be DICOM" : "no DICM prefix and no data set start"};
    std::string syntax;
    if (part10 || number(start, 2, false) == 0x0002) {
      if (auto problem = checkMeta(pos, syntax, part10)) return problem;
    }
    layout_.transferSyntax = syntax;
    layout_.dataSetOffset = pos;
    if (syntax == kDeflated) return checkDeflated(pos);
    Encoding encoding;
    encoding.explicitVr = syntax != kImplicitLittle;
    encoding.bigEndian = syntax == kExplicitBig || (syntax.empty() && number(start, 2, false) == 0x0800);
    return checkDataSet(pos, encoding, !syntax.empty());
  }

  // The data set from pos on. No meta header, or a meta header that says explicit while the data
  // set is implicit: GDCM then reads implicit VR little endian (after a first explicit attempt),
  // and so do we when the first VR is not a VR.
  Problem checkDataSet(uint64_t pos, Encoding encoding, bool declared) {
    char vr[2] = {0, 0};
    base_ = pos;
    if (encoding.explicitVr && !encoding.bigEndian && !(read(pos + 4, vr, 2) && isKnownVr(vr))) {
      encoding.explicitVr = false;
      layout_.implicitDespiteMeta = declared;
    }
    return walkDataSet(pos, size_, encoding, 0, false);
  }

 private:
  // Reads through a window of the stream: element headers are a few bytes each and mostly close
  // together, so a seek and a read per element (two system calls) would dominate a scan.
  bool read(uint64_t pos, void* buffer, size_t bytes) {
    if (bytes == 0) return true;  // memcpy from an empty window would be from a null pointer
    if (pos < windowStart_ || pos + bytes > windowStart_ + window_.size()) {
      in_.clear();
      in_.seekg(std::streamoff(pos));
      window_.resize(std::max(bytes, kWindowBytes));
      in_.read(window_.data(), std::streamsize(window_.size()));
      window_.resize(size_t(std::max<std::streamsize>(0, in_.gcount())));
      windowStart_ = pos;
      if (window_.size() < bytes) return false;
    }
    std::memcpy(buffer, window_.data() + (pos - windowStart_), bytes);
    return true;
  }

  // A bare data set (no preamble) starts with a low even group (0002, 0004 or 0008; 0800 is
  // group 0008 in big endian).
  bool looksLikeDataSet(const unsigned char* start) const {
    if (size_ < 8) return false;
    const uint32_t group = number(start, 2, false);
    return group == 0x0002 || group == 0x0004 || group == 0x0008 || group == 0x0800;
  }

  StreamProblem pastEnd(uint32_t tag, uint32_t length, uint64_t end, uint64_t pos) const {
    const std::string what = "value length " + std::to_string(length);
    if (end != size_)
      return {tagText(tag), what + " runs past the end of the enclosing item (" + std::to_string(end - pos) +
                                " bytes left)"};
    if (tag == kPixelData) return {"PixelData", what + " runs past the end of the file (truncated?)"};
    return {tagText(tag), what + " runs past the end of the file (file is " + std::to_string(size_) + " bytes)"};
  }

  StreamProblem headerCut(uint64_t end) const {
    return {"", end == size_ ? "file ends inside an element header"
                             : "element header runs past the end of the enclosing item"};
  }

  // Reads tag, VR and length at pos; item and delimiter tags (FFFE,xxxx) have no VR.
  Problem readHeader(uint64_t pos, uint64_t end, Encoding encoding, Header& header) {
    unsigned char bytes[12] = {};
    if (end - pos < 8 || !read(pos, bytes, 8)) return headerCut(end);
    const bool big = encoding.bigEndian;
    header.tag = number(bytes, 2, big) << 16 | number(bytes + 2, 2, big);
    header.valueStart = pos + 8;
    if (!encoding.explicitVr || header.tag >> 16 == 0xFFFE) {
      header.length = number(bytes + 4, 4, big);
      return std::nullopt;
    }
    std::memcpy(header.vr, bytes + 4, 2);
    if (!isKnownVr(header.vr)) {
      char shown[8];
      std::snprintf(shown, sizeof shown, "%02X %02X", bytes[4], bytes[5]);
      return StreamProblem{tagText(header.tag), std::string("invalid VR (bytes ") + shown + ")"};
    }
    if (!hasLongLength(header.vr)) {
      header.length = number(bytes + 6, 2, big);
      return std::nullopt;
    }
    if (end - pos < 12 || !read(pos + 8, bytes + 8, 4)) return headerCut(end);
    header.length = number(bytes + 8, 4, big);
    header.valueStart = pos + 12;
    return std::nullopt;
  }

  // Group 0002 elements, always explicit VR little endian; pos ends at the first data set element.
  Problem checkMeta(uint64_t& pos, std::string& syntax, bool part10) {
    unsigned char group[2] = {};
    while (size_ - pos >= 2 && read(pos, group, 2) && number(group, 2, false) == 0x0002) {
      Header header;
      if (auto problem = readHeader(pos, size_, Encoding{}, header)) return problem;
      const uint64_t left = size_ - header.valueStart;
      if (header.length > left) return pastEnd(header.tag, header.length, size_, header.valueStart);
      if (header.tag == kMetaGroupLength && header.length == 4) {
        unsigned char value[4] = {};
        read(header.valueStart, value, 4);
        const uint32_t groupLength = number(value, 4, false);
        if (groupLength > left - 4)
          return StreamProblem{"(0002,0000)", "meta group length " + std::to_string(groupLength) +
                                                  " runs past the end of the file (file is " +
                                                  std::to_string(size_) + " bytes)"};
      }
      if (header.tag == kTransferSyntax) {
        syntax.assign(header.length, '\0');
        read(header.valueStart, &syntax[0], header.length);
        // As GDCM reads it (TransferSyntax::GetTSType): up to the first NUL, without trailing
        // spaces. Anything else and GDCM would decode the data set differently than it was walked.
        syntax.erase(std::min(syntax.find('\0'), syntax.size()));
        syntax.erase(syntax.find_last_not_of(' ') + 1);
      }
      pos = header.valueStart + header.length;
    }
    if (pos >= size_) return StreamProblem{"meta header", "file ends at the end of the meta header (no data set)"};
    if (part10 && syntax.empty()) return StreamProblem{"TransferSyntaxUID", "missing from the meta header"};
    return std::nullopt;
  }

  // Elements up to `end`, or up to an item delimiter when the enclosing item has undefined length.
  Problem walkDataSet(uint64_t& pos, uint64_t end, Encoding encoding, int depth, bool untilItemEnd) {
    uint32_t previous = 0;
    while (pos < end) {
      Header header;
      const Problem bad = readHeader(pos, end, encoding, header);
      // Little endian only: in big endian GDCM fails on the padding and re-reads the whole data set
      // as little endian (its fallback for broken files), with lengths that are garbage.
      if ((bad || header.tag == 0) && depth == 0 && !encoding.bigEndian && isZeroPadding(pos)) return std::nullopt;
      if (bad) return bad;
      pos = header.valueStart;
      if (header.tag == kItemEnd && untilItemEnd) return std::nullopt;
      if (header.tag >> 16 == 0xFFFE) return StreamProblem{tagText(header.tag), "unexpected item or delimiter tag"};
      if (header.tag < previous)
        return StreamProblem{tagText(header.tag), "tags out of order (after " + tagText(previous) + ")"};
      previous = header.tag;
      if (auto problem = walkValue(header, end, encoding, depth, pos)) return problem;
    }
    if (untilItemEnd) return StreamProblem{"", end == size_ ? "file ends inside an item of undefined length"
                                                            : "item has no delimiter before the end of its sequence"};
    return std::nullopt;
  }

  // Some scanners pad files with zeros after the last element; GDCM gets through them (in little
  // endian) with its fallback readers, so an all-zero rest of the file (at least one header long)
  // is accepted.
  bool isZeroPadding(uint64_t pos) {
    char chunk[65536];
    const char zeros[8] = {};
    if (size_ - pos < 8 || !read(pos, chunk, 8) || std::memcmp(chunk, zeros, 8) != 0) return false;
    for (uint64_t at = pos + 8; at < size_; at += sizeof chunk) {
      const size_t bytes = size_t(std::min<uint64_t>(sizeof chunk, size_ - at));
      if (!read(at, chunk, bytes)) return false;
      for (size_t i = 0; i < bytes; ++i)
        if (chunk[i] != 0) return false;
    }
    return true;
  }

  // A problem with pixel data is only the pixels' problem (the header stays usable, GDCM skips the
  // value) for the top-level (7FE0,0010); inside a sequence GDCM reads it like any element.
  Problem walkValue(const Header& header, uint64_t end, Encoding encoding, int depth, uint64_t& pos) {
    Problem problem = walkValueAt(header, end, encoding, depth, pos);
    if (problem && depth > 0 && problem->field == "PixelData") problem->field = tagText(kPixelData);
    return problem;
  }

  Problem walkValueAt(const Header& header, uint64_t end, Encoding encoding, int depth, uint64_t& pos) {
    if (header.tag == kPixelData && header.isVr("SQ"))
      return StreamProblem{"PixelData", "VR SQ is not allowed for pixel data"};
    const bool topLevelPixels = header.tag == kPixelData && depth == 0;
    if (topLevelPixels) {
      layout_.hasPixelData = true;
      layout_.pixelDataOffset = header.valueStart - (encoding.explicitVr && hasLongLength(header.vr) ? 12 : 8) - base_;
      layout_.encapsulated = header.length == kUndefinedLength;
      layout_.pixelDataLength = layout_.encapsulated ? 0 : header.length;
      layout_.pixelDataValueOffset = header.valueStart - base_;
    }
    if (header.length == kUndefinedLength) {
      if (header.tag == kPixelData) return walkFragments(pos, end, topLevelPixels);
      // UN of undefined length holds implicit VR little endian content (PS3.5 6.2.2, CP-246).
      if (header.isVr("UN")) return walkSequence(header.tag, pos, end, Encoding{false, false}, depth + 1, true);
      if (!encoding.explicitVr || header.isVr("SQ")) return walkSequence(header.tag, pos, end, encoding, depth + 1, true);
      return StreamProblem{tagText(header.tag), "undefined length is only allowed for SQ, UN and pixel data (VR " +
                                                    std::string(header.vr, 2) + ")"};
    }
    if (header.length > end - pos) return pastEnd(header.tag, header.length, end, pos);
    const uint64_t valueEnd = pos + header.length;
    if (header.isVr("SQ") || (!encoding.explicitVr && startsWithItem(pos, valueEnd))) {
      if (auto problem = walkSequence(header.tag, pos, valueEnd, encoding, depth + 1, false)) return problem;
    }
    pos = valueEnd;
    return std::nullopt;
  }

  // Implicit VR does not say SQ; a value that opens with an item tag is read as a sequence.
  bool startsWithItem(uint64_t pos, uint64_t end) {
    unsigned char bytes[4] = {};
    return end - pos >= 8 && read(pos, bytes, 4) && number(bytes, 2, false) == 0xFFFE &&
           number(bytes + 2, 2, false) == 0xE000;
  }

  Problem walkSequence(uint32_t tag, uint64_t& pos, uint64_t end, Encoding encoding, int depth, bool undefined) {
    if (depth > kMaxDepth)
      return StreamProblem{tagText(tag), "sequences nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    while (pos < end) {
      Header item;
      if (auto problem = readHeader(pos, end, Encoding{false, encoding.bigEndian}, item)) return problem;
      pos = item.valueStart;
      if (item.tag == kSequenceEnd) {  // also tolerated inside a defined length, as GDCM does
        if (!undefined) pos = end;
        return std::nullopt;
      }
      if (item.tag != kItem)
        return StreamProblem{tagText(item.tag), "expected an item (FFFE,E000) in sequence " + tagText(tag)};
      if (item.length == kUndefinedLength) {
        if (auto problem = walkDataSet(pos, end, encoding, depth, true)) return problem;
        continue;
      }
      if (item.length > end - pos) return pastEnd(kItem, item.length, end, pos);
      uint64_t itemPos = pos;
      if (auto problem = walkDataSet(itemPos, pos + item.length, encoding, depth, false)) return problem;
      pos += item.length;
    }
    if (undefined)
      return StreamProblem{tagText(tag), end == size_ ? "file ends inside a sequence of undefined length"
                                                      : "sequence has no delimiter before the end of its item"};
    return std::nullopt;
  }

  // Encapsulated pixel data: items of defined length (offset table, fragments), then (FFFE,E0DD).
  Problem walkFragments(uint64_t& pos, uint64_t end, bool topLevel) {
    while (true) {
      Header item;
      if (end - pos < 8) return StreamProblem{"PixelData", "file ends inside the encapsulated pixel data"};
      if (auto problem = readHeader(pos, end, Encoding{false, false}, item)) return problem;
      pos = item.valueStart;
      if (item.tag == kSequenceEnd) return std::nullopt;
      if (item.tag != kItem)
        return StreamProblem{"PixelData", "expected a fragment item (FFFE,E000), found " + tagText(item.tag)};
      if (item.length == kUndefinedLength) return StreamProblem{"PixelData", "fragment of undefined length"};
      if (item.length > end - pos)
        return StreamProblem{"PixelData", "fragment length " + std::to_string(item.length) +
                                              " runs past the end of the file (truncated?)"};
      if (topLevel) layout_.pixelDataLength += item.length;
      pos += item.length;
    }
  }

  // A deflated data set cannot be walked with seeks: inflate it (bounded) and walk that, as GDCM
  // will be given it (correctedDicomStream) instead of inflating it itself.
  Problem checkDeflated(uint64_t pos) {
    layout_.deflated = true;
    std::string inflated;
    if (auto problem = inflateDataSet(in_, pos, size_, inflated)) return problem;
    if (inflated.empty()) return StreamProblem{"", "deflated data set is empty"};  // GDCM asserts
    std::istringstream stream(inflated);
    DicomStreamLayout inner;
    const Problem problem = StreamWalker(stream, inflated.size(), inner).checkDataSet(0, Encoding{}, true);
    layout_.implicitDespiteMeta = inner.implicitDespiteMeta;
    layout_.hasPixelData = inner.hasPixelData;
    layout_.encapsulated = inner.encapsulated;
    layout_.pixelDataOffset = inner.pixelDataOffset;
    layout_.pixelDataLength = inner.pixelDataLength;
    layout_.pixelDataValueOffset = inner.pixelDataValueOffset;
    return problem;
  }

  std::istream& in_;
  const uint64_t size_;
  DicomStreamLayout& layout_;
  std::vector<char> window_;  // bytes of the stream from windowStart_ on
  uint64_t windowStart_ = 0;
  uint64_t base_ = 0;  // where the data set starts
};

}  // namespace

DicomStreamLayout inspectDicomStream(const std::filesystem::path& path) {
  DicomStreamLayout layout;
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    layout.problem = StreamProblem{"", "cannot read the file size: " + error.message()};
    return layout;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    layout.problem = StreamProblem{"", "cannot open the file"};
    return layout;
  }
  layout.problem = StreamWalker(in, size, layout).check();
  return layout;
}

std::optional<StreamProblem> checkDicomStream(const std::filesystem::path& path) {
  return inspectDicomStream(path).problem;
}

std::string correctedDicomStream(const std::filesystem::path& path, const DicomStreamLayout& layout,
                                 uint64_t dataSetEnd) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const uint64_t fileSize = std::filesystem::file_size(path, ec);
  const bool whole = layout.deflated || dataSetEnd >= fileSize - std::min(fileSize, layout.dataSetOffset);
  const uint64_t end = whole ? fileSize : layout.dataSetOffset + dataSetEnd;
  std::string bytes(size_t(std::max(end, layout.dataSetOffset)), '\0');
  in.read(&bytes[0], std::streamsize(bytes.size()));
  bytes.resize(size_t(in.gcount()));
  if (bytes.size() < layout.dataSetOffset) return bytes;
  std::string dataSet = bytes.substr(layout.dataSetOffset);
  if (layout.deflated) {
    dataSet.clear();
    inflateDataSet(in, layout.dataSetOffset, fileSize, dataSet);  // walked sound already
    if (dataSetEnd < dataSet.size()) dataSet.resize(size_t(dataSetEnd));
  }
  auto u16 = [](uint32_t v) { return std::string{char(v & 0xFF), char(v >> 8 & 0xFF)}; };
  // Meta elements (explicit VR little endian, walked sound already) without group length and syntax.
  const uint64_t metaStart = bytes.size() >= 132 && bytes.compare(128, 4, "DICM") == 0 ? 132 : 0;
  const std::string syntax = std::string(layout.implicitDespiteMeta ? kImplicitLittle : kExplicitLittle) + '\0';
  const std::string syntaxElement = u16(0x0002) + u16(0x0010) + "UI" + u16(uint32_t(syntax.size())) + syntax;
  std::string meta;
  bool syntaxWritten = false;
  for (uint64_t pos = metaStart; pos + 8 <= layout.dataSetOffset;) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
    const uint32_t tag = number(p, 2, false) << 16 | number(p + 2, 2, false);
    const bool isLong = hasLongLength(reinterpret_cast<const char*>(p + 4));
    const uint64_t headerLength = isLong ? 12 : 8;
    const uint64_t length = isLong ? number(p + 8, 4, false) : number(p + 6, 2, false);
    if (tag > kTransferSyntax && !syntaxWritten) meta += syntaxElement, syntaxWritten = true;
    if (tag != kMetaGroupLength && tag != kTransferSyntax) meta += bytes.substr(pos, headerLength + length);
    pos += headerLength + length;
  }
  if (!syntaxWritten) meta += syntaxElement;
  std::string groupLength = u16(0x0002) + u16(0x0000) + "UL" + u16(4);
  for (int i = 0; i < 4; ++i) groupLength += char(meta.size() >> (8 * i) & 0xFF);
  return bytes.substr(0, metaStart) + groupLength + meta + dataSet;
}

}  // namespace medpipe
