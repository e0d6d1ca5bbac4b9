#include "medpipe/filters/label_table.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "medpipe/core/atomic_file.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"

namespace medpipe {
namespace fs = std::filesystem;
namespace {

void writeText(const fs::path& path, const std::function<void(std::ostream&)>& body) {
  writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp);
    body(out);
    if (!out.flush()) throw Error(path.string(), "", "cannot write table");
  });
}

}  // namespace

double LabelTable::at(size_t row, const std::string& column) const {
  const auto it = std::find(columns.begin(), columns.end(), column);
  if (it == columns.end()) throw Error("", column, "no such column");
  return rows.at(row).at(static_cast<size_t>(it - columns.begin()));
}

void LabelTable::writeCsv(const fs::path& path) const {
  writeText(path, [&](std::ostream& out) {
    for (size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << columns[c];
    out << "\n";
    for (const auto& row : rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        char text[32];
        std::snprintf(text, sizeof text, "%.10g", row[c]);
        out << (c ? "," : "") << text;
      }
      out << "\n";
    }
  });
}

void LabelTable::writeJson(const fs::path& path) const {
  writeText(path, [&](std::ostream& out) {
    JsonWriter json(out);
    json.beginArray();
    for (const auto& row : rows) {
      json.beginObject();
      for (size_t c = 0; c < columns.size(); ++c) json.field(columns[c], row[c]);
      json.endObject();
    }
    json.endArray();
    out << "\n";
  });
}

}  // namespace medpipe
