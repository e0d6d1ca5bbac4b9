#pragma once
// A small streaming JSON writer for sidecars, scan reports and provenance records.
#include <ostream>
#include <string>
#include <vector>

namespace medpipe {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(const std::string& name);
  JsonWriter& value(const std::string& text);
  JsonWriter& value(const char* text) { return value(std::string(text)); }
  JsonWriter& value(double number);
  JsonWriter& value(int number) { return value(static_cast<long long>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<long long>(number)); }
  JsonWriter& value(size_t number) { return value(static_cast<long long>(number)); }
  JsonWriter& value(long long number);
  JsonWriter& value(bool flag);
  template <typename T>
  JsonWriter& field(const std::string& name, const T& v) { return key(name).value(v); }
  template <typename Range>
  JsonWriter& array(const std::string& name, const Range& values) {
    key(name).beginArray();
    for (const auto& v : values) value(v);
    return endArray();
  }

 private:
  void separate();
  void indent();
  std::ostream& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool afterKey_ = false;
};

std::string jsonEscape(const std::string& text);

}  // namespace medpipe
