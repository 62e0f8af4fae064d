// store/sqlite/sqlite_db.hpp: a thin RAII layer over SQLite's C API, returning results.
//
//   YWS_TRY(db, sqlite_db::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
//   YWS_TRY(st, db.prepare("SELECT yupdate FROM yupdates WHERE path = ?"));
//   st.bind_text(1, room);
//   while (true) { YWS_TRY(row, st.step()); if (!row) break; use(st.column_blob(0)); }
//
// Error mapping: SQLITE_CORRUPT/NOTADB -> errc::corruption, BUSY/LOCKED -> errc::timed_out,
// READONLY -> errc::rejected, anything else -> errc::io_error; the message of the last failure
// is kept in last_error().
//
// Thread safety: none; the sqlite store serialises every use of a connection with its mutex.
// Lifetime: statements must be destroyed before their connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "yws/store/store.hpp"

namespace yws::store::detail {

class statement {
 public:
  statement() = default;
  explicit statement(sqlite3_stmt* st) : st_(st) {}

  // Binding copies the data (SQLITE_TRANSIENT).
  void bind_text(int index, std::string_view text);
  // An empty span binds an empty blob, not NULL (pycrdt reads b"" for an empty metadata).
  void bind_blob(int index, std::span<const std::uint8_t> blob);
  void bind_double(int index, double value);
  void bind_int64(int index, std::int64_t value);

  // True when a row is available, false when done.
  [[nodiscard]] result<bool> step();
  // Steps to the end, for statements that return no rows.
  [[nodiscard]] result<void> run();
  // Makes the statement reusable and clears its bindings.
  void reset();

  bool column_is_null(int index) const;
  std::span<const std::uint8_t> column_blob(int index) const;
  std::string column_text(int index) const;
  double column_double(int index) const;
  std::int64_t column_int64(int index) const;

 private:
  struct finalizer {
    void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
  };
  std::unique_ptr<sqlite3_stmt, finalizer> st_;
};

class sqlite_db {
 public:
  [[nodiscard]] static result<sqlite_db> open(const std::string& path, int flags);

  [[nodiscard]] result<statement> prepare(std::string_view sql);
  // Runs one or more statements that return no rows.
  [[nodiscard]] result<void> exec(const char* sql);
  // The single integer a query such as "PRAGMA user_version" returns.
  [[nodiscard]] result<std::int64_t> query_int(const char* sql);

  sqlite3* handle() const noexcept { return db_.get(); }

 private:
  struct closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, closer> db_;
};

// Maps an SQLite result code to the yws error vocabulary and records `db`'s message.
std::error_code sqlite_error(int rc, sqlite3* db);
const std::string& last_error();

// BEGIN IMMEDIATE (or DEFERRED for reads) now; ROLLBACK on destruction unless commit() succeeded.
class transaction {
 public:
  [[nodiscard]] static result<transaction> begin(sqlite_db& db, bool write);
  transaction(transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  transaction& operator=(transaction&&) = delete;
  ~transaction();
  [[nodiscard]] result<void> commit();

 private:
  explicit transaction(sqlite_db* db) : db_(db) {}
  sqlite_db* db_;
};

}  // namespace yws::store::detail
