#pragma once
// DICOM files written byte by byte (explicit VR little endian), small enough to state a bad input
// exactly in a test: a CT slice whose every attribute a test can change, drop or lie about.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace medpipe::test {

inline std::string u16(uint16_t v) { return {char(v & 0xFF), char(v >> 8)}; }
inline std::string u32(uint32_t v) { return u16(uint16_t(v & 0xFFFF)) + u16(uint16_t(v >> 16)); }
inline std::string tagBytes(uint16_t group, uint16_t element) { return u16(group) + u16(element); }

inline bool hasLongLength(const std::string& vr) {
  const std::string longVrs = "OBODOFOLOVOWSQUCUNURUTSVUV";
  for (size_t i = 0; i < longVrs.size(); i += 2)
    if (longVrs.compare(i, 2, vr) == 0) return true;
  return false;
}

// One element; `length` overrides the value's real length (a lying header), UINT32_MAX = undefined.
inline std::string element(uint16_t group, uint16_t element, const std::string& vr, std::string value,
                           int64_t length = -1) {
  if (value.size() % 2) value += (vr == "UI" || vr == "OB") ? '\0' : ' ';
  const uint32_t n = length < 0 ? uint32_t(value.size()) : uint32_t(length);
  if (hasLongLength(vr)) return tagBytes(group, element) + vr + std::string(2, '\0') + u32(n) + value;
  return tagBytes(group, element) + vr + u16(uint16_t(n)) + value;
}

inline std::string metaHeader(const std::string& transferSyntax) {
  const std::string elements = element(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                               element(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.2") +
                               element(0x0002, 0x0003, "UI", "1.2.3.4.5.6") +
                               element(0x0002, 0x0010, "UI", transferSyntax);
  return std::string(128, '\0') + "DICM" + element(0x0002, 0x0000, "UL", u32(uint32_t(elements.size()))) + elements;
}

// Implicit VR little endian: tag, 32-bit length, value.
inline std::string implicitElement(uint16_t group, uint16_t element, std::string value, int64_t length = -1) {
  if (value.size() % 2) value += ' ';
  return tagBytes(group, element) + u32(length < 0 ? uint32_t(value.size()) : uint32_t(length)) + value;
}

// A CT slice of rows x columns 16-bit pixels at z. Attributes are keyed by (group << 16 | element)
// so that a test can replace or erase any of them before bytes() encodes them in tag order.
struct SliceBytes {
  std::string transferSyntax = "1.2.840.10008.1.2.1";  // as the meta header says
  bool implicitVr = false;                              // how the data set is really encoded
  std::map<uint32_t, std::pair<std::string, std::string>> attributes;  // VR, value; without PixelData
  std::string pixels;                                   // the (7FE0,0010) value
  std::string pixelData;                                // when set: the encoded pixel data element, as is

  SliceBytes(uint16_t rows, uint16_t columns, double z, int instance = 1) {
    set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2");
    set(0x0008, 0x0018, "UI", "1.2.3.4.5.6." + std::to_string(instance));
    set(0x0008, 0x0060, "CS", "CT");
    set(0x0020, 0x000D, "UI", "1.2.3.4");
    set(0x0020, 0x000E, "UI", "1.2.3.4.5");
    set(0x0020, 0x0011, "IS", "7");
    set(0x0020, 0x0013, "IS", std::to_string(instance));
    set(0x0020, 0x0032, "DS", "0\\0\\" + std::to_string(z));
    set(0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
    set(0x0028, 0x0002, "US", u16(1));
    set(0x0028, 0x0004, "CS", "MONOCHROME2");
    set(0x0028, 0x0010, "US", u16(rows));
    set(0x0028, 0x0011, "US", u16(columns));
    set(0x0028, 0x0030, "DS", "1\\1");
    set(0x0028, 0x0100, "US", u16(16));
    set(0x0028, 0x0101, "US", u16(16));
    set(0x0028, 0x0102, "US", u16(15));
    set(0x0028, 0x0103, "US", u16(1));
    pixels.assign(size_t(rows) * columns * 2, '\0');
    for (size_t i = 0; i < pixels.size(); i += 2) pixels[i] = char(i / 2 % 100);
  }
  SliceBytes& set(uint16_t group, uint16_t elem, const std::string& vr, const std::string& value) {
    attributes[uint32_t(group) << 16 | elem] = {vr, value};
    return *this;
  }
  SliceBytes& erase(uint16_t group, uint16_t elem) {
    attributes.erase(uint32_t(group) << 16 | elem);
    return *this;
  }
  std::string encode(uint32_t tag, const std::string& vr, const std::string& value) const {
    const auto group = uint16_t(tag >> 16), elem = uint16_t(tag & 0xFFFF);
    return implicitVr ? implicitElement(group, elem, value) : element(group, elem, vr, value);
  }
  std::string bytes() const {
    std::string out = metaHeader(transferSyntax);
    for (const auto& [tag, attribute] : attributes) out += encode(tag, attribute.first, attribute.second);
    return out + (pixelData.empty() ? encode(0x7FE00010, "OW", pixels) : pixelData);
  }
  std::filesystem::path write(const std::filesystem::path& path) const {
    std::filesystem::create_directories(path.parent_path());
    const std::string data = bytes();
    std::ofstream(path, std::ios::binary).write(data.data(), std::streamsize(data.size()));
    return path;
  }
};

inline std::filesystem::path writeBytes(const std::filesystem::path& path, const std::string& data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(data.data(), std::streamsize(data.size()));
  return path;
}

}  // namespace medpipe::test
