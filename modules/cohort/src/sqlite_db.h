#pragma once
// A thin RAII layer over SQLite's C API: a connection, prepared statements, and errors as
// medpipe::Error values naming the database file (private to the cohort module).
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace medpipe::cohort {

class Statement;

class SqliteDb {
 public:
  // Opens (creating it when `create`) the database at `path`; throws medpipe::Error naming it.
  SqliteDb(const std::filesystem::path& path, bool create);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const std::string& sql);  // one or more statements without results
  Statement prepare(const std::string& sql);
  bool hasTable(const std::string& name);
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() { return db_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class Statement {
 public:
  Statement(SqliteDb& db, const std::string& sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite; NaN binds NULL.
  Statement& bind(int index, const std::string& text);
  Statement& bind(int index, double value);
  Statement& bind(int index, long long value);
  Statement& bind(int index, int value) { return bind(index, static_cast<long long>(value)); }
  Statement& bindNull(int index);
  bool step();  // true while a row is available
  void run();   // step() to completion, then reset()
  void reset();

  int columnCount() const;
  std::string columnName(int column) const;
  bool isNull(int column) const;
  bool isReal(int column) const;
  std::string text(int column) const;
  double real(int column) const;  // NaN for NULL
  long long integer(int column) const;

 private:
  SqliteDb* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Quotes an identifier for SQL ("body-stats.mean" -> "\"body-stats.mean\"").
std::string quoteIdentifier(const std::string& name);

}  // namespace medpipe::cohort
