#include "medpipe/io/csa_header.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace medpipe {
namespace {

// CSA values are little endian whatever the transfer syntax of the file.
bool readInt32(const char* data, size_t length, size_t at, int32_t& out) {
  if (at > length || length - at < 4) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(data + at);
  out = static_cast<int32_t>(uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24);
  return true;
}

std::string cleaned(const char* p, size_t n) {
  std::string s(p, strnlen(p, n));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t start = s.find_first_not_of(" \t");
  return start == std::string::npos ? std::string() : s.substr(start);
}

bool fail(std::string* problem, const std::string& why) {
  if (problem) *problem = why;
  return false;
}

}  // namespace

std::optional<CsaHeader> CsaHeader::parse(const char* data, size_t length, std::string* problem) {
  // Layout (as documented by nibabel's csareader): SV10 = "SV10" + 4 bytes +
  // element count + 4 bytes; CSA1 = element count + 4 bytes. Each element:
  // name[64], vm, vr[4], syngodt, item count, 4 bytes; each item: 4 int32 (the
  // value's length is the second for SV10, the first minus the first element's
  // item count for CSA1), then the value, padded to 4 bytes.
  const bool sv10 = length >= 4 && std::memcmp(data, "SV10", 4) == 0;
  size_t at = sv10 ? 8 : 0;
  int32_t tagCount = 0;
  if (!readInt32(data, length, at, tagCount)) {
    if (problem) *problem = "shorter than a CSA header";
    return std::nullopt;
  }
  if (tagCount < 1 || tagCount > 128 * 1024) {  // real headers have ~100 tags
    if (problem) *problem = "implausible element count " + std::to_string(tagCount);
    return std::nullopt;
  }
  at += 8;
  CsaHeader header;
  int32_t firstItemCount = 0;  // CSA1 item lengths are stored offset by this
  for (int32_t t = 0; t < tagCount; ++t) {
    constexpr size_t kTagBytes = 64 + 4 + 4 + 4 + 4 + 4;
    int32_t vm = 0, itemCount = 0;
    if (at > length || length - at < kTagBytes || !readInt32(data, length, at + 64, vm) ||
        !readInt32(data, length, at + 76, itemCount)) {
      fail(problem, "element " + std::to_string(t + 1) + " of " + std::to_string(tagCount) + " runs past the end");
      return std::nullopt;
    }
    const std::string name = cleaned(data + at, 64);
    at += kTagBytes;
    if (itemCount < 0 || itemCount > 1024 * 1024) {
      fail(problem, "element '" + name + "': implausible item count " + std::to_string(itemCount));
      return std::nullopt;
    }
    if (t == 0) firstItemCount = itemCount;
    std::vector<std::string> items;
    for (int32_t i = 0; i < itemCount; ++i) {
      int32_t words[4];
      for (int w = 0; w < 4; ++w)
        if (!readInt32(data, length, at + 4 * w, words[w])) {
          fail(problem, "element '" + name + "': item runs past the end");
          return std::nullopt;
        }
      at += 16;
      const int64_t itemLength = sv10 ? words[1] : int64_t{words[0]} - firstItemCount;
      if (itemLength < 0 || at > length || uint64_t(itemLength) > length - at) {
        if (!sv10)
          break;  // CSA1 pads with garbage items past VM (nibabel stops there
                  // too)
        fail(problem, "element '" + name + "': item of " + std::to_string(itemLength) + " bytes runs past the end");
        return std::nullopt;
      }
      const std::string value = cleaned(data + at, size_t(itemLength));
      if (!value.empty()) items.push_back(value);
      at += size_t(itemLength);
      at += (4 - itemLength % 4) % 4;
    }
    if (!name.empty()) header.values_[name] = std::move(items);
  }
  return header;
}

std::vector<std::string> CsaHeader::texts(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<double> CsaHeader::numbers(const std::string& name) const {
  std::vector<double> out;
  for (const auto& text : texts(name)) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() && std::isfinite(v)) out.push_back(v);
  }
  return out;
}

std::optional<double> CsaHeader::number(const std::string& name) const {
  const auto values = numbers(name);
  if (values.empty()) return std::nullopt;
  return values.front();
}

}  // namespace medpipe
