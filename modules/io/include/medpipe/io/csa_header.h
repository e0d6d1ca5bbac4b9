#pragma once
// Siemens CSA headers: the private (0029,xx10) image and (0029,xx20) series
// headers, binary blobs in Siemens' own "SV10" (or older "CSA1") layout holding
// named elements with text values. medpipe reads mosaic tiling, slice normals,
// slice times and diffusion encoding from the image header.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace medpipe {

class CsaHeader {
 public:
  // Parses the bytes of one CSA header. Returns nullopt (and why in `problem`)
  // when they are not a CSA header or are inconsistent (counts or lengths that
  // run past the end); never reads outside.
  static std::optional<CsaHeader> parse(const char* data, size_t length, std::string* problem = nullptr);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The non-empty values of an element, as text (trailing blanks and NULs
  // removed).
  std::vector<std::string> texts(const std::string& name) const;
  // The values that read as finite numbers; values that do not are skipped.
  std::vector<double> numbers(const std::string& name) const;
  std::optional<double> number(const std::string& name) const;
  size_t size() const { return values_.size(); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace medpipe
