#include "json_value.h"

#include <cmath>
#include <cstdio>

#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"

namespace medpipe::cli {

JsonValue JsonValue::raw(std::string text) {
  JsonValue v(Kind::Raw);
  v.raw_ = std::move(text);
  return v;
}

JsonValue JsonValue::string(const std::string& text) { return raw("\"" + jsonEscape(text) + "\""); }

JsonValue JsonValue::number(double value) {
  if (!std::isfinite(value)) throw Error("", "json", "a JSON number must be finite");
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return raw(text);
}

JsonValue JsonValue::strings(const std::vector<std::string>& texts) {
  JsonValue list = array();
  for (const auto& t : texts) list.add(string(t));
  return list;
}

JsonValue& JsonValue::set(const std::string& key, JsonValue value) {
  for (auto& [k, v] : members_)
    if (k == key) return v = std::move(value), *this;
  members_.emplace_back(key, std::move(value));
  return *this;
}

JsonValue& JsonValue::add(JsonValue value) {
  items_.push_back(std::move(value));
  return *this;
}

std::string JsonValue::str(int indent) const {
  const std::string pad(indent + 2, ' '), end(indent, ' ');
  std::string out;
  switch (kind_) {
    case Kind::Raw:
      return raw_;
    case Kind::Object:
      if (members_.empty()) return "{}";
      out = "{\n";
      for (size_t i = 0; i < members_.size(); ++i)
        out += pad + "\"" + jsonEscape(members_[i].first) + "\": " + members_[i].second.str(indent + 2) +
               (i + 1 < members_.size() ? ",\n" : "\n");
      return out + end + "}";
    case Kind::Array:
      if (items_.empty()) return "[]";
      out = "[\n";
      for (size_t i = 0; i < items_.size(); ++i)
        out += pad + items_[i].str(indent + 2) + (i + 1 < items_.size() ? ",\n" : "\n");
      return out + end + "]";
  }
  return out;
}

}  // namespace medpipe::cli
