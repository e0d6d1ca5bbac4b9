#pragma once
// A small ordered JSON tree for documents built piece by piece (the config schema): objects keep
// their keys in insertion order, so the printed schema reads in the order it was declared.
#include <string>
#include <utility>
#include <vector>

namespace medpipe::cli {

class JsonValue {
 public:
  static JsonValue object() { return JsonValue(Kind::Object); }
  static JsonValue array() { return JsonValue(Kind::Array); }
  static JsonValue string(const std::string& text);
  static JsonValue number(double value);
  static JsonValue boolean(bool value) { return raw(value ? "true" : "false"); }
  static JsonValue strings(const std::vector<std::string>& texts);

  JsonValue& set(const std::string& key, JsonValue value);  // objects; returns *this
  JsonValue& add(JsonValue value);                          // arrays; returns *this
  std::string str(int indent = 0) const;

 private:
  enum class Kind { Object, Array, Raw };
  explicit JsonValue(Kind kind) : kind_(kind) {}
  static JsonValue raw(std::string text);
  Kind kind_;
  std::vector<std::pair<std::string, JsonValue>> members_;
  std::vector<JsonValue> items_;
  std::string raw_;
};

}  // namespace medpipe::cli
