#include "store/sqlite/sqlite_db.hpp"

namespace yws::store::detail {
namespace {

thread_local std::string last_message;

}  // namespace

std::error_code sqlite_error(int rc, sqlite3* db) {
  last_message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return make_error_code(errc::corruption);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return make_error_code(errc::timed_out);
    case SQLITE_READONLY: return make_error_code(errc::rejected);
    default: return make_error_code(errc::io_error);
  }
}

const std::string& last_error() { return last_message; }

void statement::bind_text(int index, std::string_view text) {
  static const char empty = 0;  // a null pointer would bind NULL, not ''
  sqlite3_bind_text64(st_.get(), index, text.empty() ? &empty : text.data(), text.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
}

void statement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  static const std::uint8_t empty = 0;
  sqlite3_bind_blob64(st_.get(), index, blob.empty() ? &empty : blob.data(), blob.size(), SQLITE_TRANSIENT);
}

void statement::bind_double(int index, double value) { sqlite3_bind_double(st_.get(), index, value); }

void statement::bind_int64(int index, std::int64_t value) { sqlite3_bind_int64(st_.get(), index, value); }

result<bool> statement::step() {
  const int rc = sqlite3_step(st_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, sqlite3_db_handle(st_.get()));
}

result<void> statement::run() {
  for (;;) {
    YWS_TRY(row, step());
    if (!row) return {};
  }
}

void statement::reset() {
  sqlite3_reset(st_.get());
  sqlite3_clear_bindings(st_.get());
}

bool statement::column_is_null(int index) const {
  return sqlite3_column_type(st_.get(), index) == SQLITE_NULL;
}

std::span<const std::uint8_t> statement::column_blob(int index) const {
  const void* p = sqlite3_column_blob(st_.get(), index);
  const int n = sqlite3_column_bytes(st_.get(), index);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

std::string statement::column_text(int index) const {
  // Read as a blob: room names may hold any bytes, NUL included.
  const auto b = column_blob(index);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

double statement::column_double(int index) const { return sqlite3_column_double(st_.get(), index); }

std::int64_t statement::column_int64(int index) const { return sqlite3_column_int64(st_.get(), index); }

result<sqlite_db> sqlite_db::open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  sqlite_db db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) return sqlite_error(rc, raw);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

result<statement> sqlite_db::prepare(std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return sqlite_error(rc, db_.get());
  }
  return statement(st);
}

result<void> sqlite_db::exec(const char* sql) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_.get());
  return {};
}

result<std::int64_t> sqlite_db::query_int(const char* sql) {
  YWS_TRY(st, prepare(sql));
  YWS_TRY(row, st.step());
  if (!row) return errc::corruption;
  return st.column_int64(0);
}

result<transaction> transaction::begin(sqlite_db& db, bool write) {
  YWS_TRY_VOID(db.exec(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  return transaction(&db);
}

transaction::~transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

result<void> transaction::commit() {
  YWS_TRY_VOID(db_->exec("COMMIT"));
  db_ = nullptr;
  return {};
}

}  // namespace yws::store::detail
