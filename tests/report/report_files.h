#pragma once
// Reading what a report wrote, for the report tests.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace medpipe::test {

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Occurrences of `what` in `text`, overlapping ones included.
inline size_t countOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace medpipe::test
