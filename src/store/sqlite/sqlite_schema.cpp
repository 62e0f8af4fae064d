// Opening the SQLite store: connection settings, and the pycrdt-store schema created or completed.
#include "store/sqlite/sqlite_store_impl.hpp"

namespace yws::store::detail {
namespace {

// pycrdt's BaseYStore.version, kept in PRAGMA user_version.
constexpr std::int64_t schema_version = 2;

// The statements of pycrdt-store 0.1.5's _init_db, verbatim, so the schema text pycrdt finds in
// sqlite_master is its own.
constexpr const char* create_yupdates =
    "CREATE TABLE yupdates (path TEXT NOT NULL, yupdate BLOB, metadata BLOB, timestamp REAL NOT NULL)";
constexpr const char* create_index = "CREATE INDEX idx_yupdates_path_timestamp ON yupdates (path, timestamp)";
constexpr const char* create_ycheckpoints =
    "CREATE TABLE ycheckpoints (path TEXT NOT NULL, checkpoint BLOB NOT NULL, timestamp REAL NOT NULL, "
    "PRIMARY KEY(path))";
// The same for completing a database from before checkpoints (pycrdt-websocket <= 0.15,
// pycrdt-store <= 0.1.2), which pycrdt-store 0.1.5 fails to do.
constexpr const char* complete_index =
    "CREATE INDEX IF NOT EXISTS idx_yupdates_path_timestamp ON yupdates (path, timestamp)";
constexpr const char* complete_ycheckpoints =
    "CREATE TABLE IF NOT EXISTS ycheckpoints (path TEXT NOT NULL, checkpoint BLOB NOT NULL, "
    "timestamp REAL NOT NULL, PRIMARY KEY(path))";

result<bool> table_exists(sqlite_db& db, const char* name) {
  YWS_TRY(st, db.prepare("SELECT count(name) FROM sqlite_master WHERE type='table' AND name=?"));
  st.bind_text(1, name);
  YWS_TRY(row, st.step());
  return row && st.column_int64(0) > 0;
}

const char* synchronous_pragma(fsync_policy p) {
  switch (p) {
    case fsync_policy::always: return "PRAGMA synchronous = FULL";
    case fsync_policy::batch: return "PRAGMA synchronous = NORMAL";  // WAL synced at checkpoints
    case fsync_policy::never: return "PRAGMA synchronous = OFF";
  }
  return "PRAGMA synchronous = FULL";
}

}  // namespace

result<std::unique_ptr<store>> sqlite_store::open(const std::string& path, sqlite_store_options options) {
  const int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  YWS_TRY(db, sqlite_db::open(path, flags));
  std::unique_ptr<sqlite_store> s(new sqlite_store(path, std::move(options)));
  YWS_TRY_VOID(s->init(std::move(db)));
  return std::unique_ptr<store>(std::move(s));
}

sqlite_store::sqlite_store(std::string path, sqlite_store_options options)
    : path_(std::move(path)), options_(options), ctx_(std::move(options.common)) {}

result<void> sqlite_store::init(sqlite_db db) {
  std::lock_guard lock(mu_);
  db_ = std::move(db);
  sqlite3_busy_timeout(db_.handle(), static_cast<int>(options_.busy_timeout.count()));
  if (options_.read_only) {
    YWS_TRY(has_updates, table_exists(db_, "yupdates"));
    if (!has_updates) return errc::not_found;
    YWS_TRY(version, db_.query_int("PRAGMA user_version"));
    if (version != schema_version) return errc::unsupported_feature;
    YWS_TRY(has_checkpoints, table_exists(db_, "ycheckpoints"));
    has_checkpoints_ = has_checkpoints;
    return {};
  }
  YWS_TRY_VOID(create_or_migrate());
  const bool in_memory = path_.empty() || path_ == ":memory:";
  if (options_.wal && !in_memory) YWS_TRY_VOID(db_.exec("PRAGMA journal_mode = WAL"));
  YWS_TRY_VOID(db_.exec(synchronous_pragma(ctx_.options().fsync)));
  if (ctx_.options().fsync == fsync_policy::batch && options_.wal && !in_memory) {
    scheduler_ = std::make_unique<sync_scheduler>(ctx_.options().sync_window, [this] {
      if (auto ok = flush(); !ok) ctx_.report({}, "background WAL checkpoint failed: " + last_error(), ok.error());
    });
  }
  return {};
}

result<void> sqlite_store::create_or_migrate() {
  // auto_vacuum can only be chosen before the first table exists (pycrdt-store 0.1.5 does the
  // same, so deleted history shrinks the file).
  YWS_TRY(tables, db_.query_int("SELECT count(*) FROM sqlite_master"));
  if (tables == 0) {
    YWS_TRY_VOID(db_.exec("PRAGMA auto_vacuum = FULL"));
    YWS_TRY(pages, db_.query_int("PRAGMA page_count"));
    if (pages > 0) YWS_TRY_VOID(db_.exec("VACUUM"));
  }
  YWS_TRY(txn, transaction::begin(db_, true));
  YWS_TRY(has_updates, table_exists(db_, "yupdates"));
  if (has_updates) {
    YWS_TRY(version, db_.query_int("PRAGMA user_version"));
    // pycrdt moves such a database aside and starts empty; yws leaves it alone and says so.
    if (version != schema_version) return errc::unsupported_feature;
    YWS_TRY(has_checkpoints, table_exists(db_, "ycheckpoints"));
    YWS_TRY_VOID(db_.exec(complete_index));
    YWS_TRY_VOID(db_.exec(complete_ycheckpoints));
    YWS_TRY_VOID(txn.commit());
    if (!has_checkpoints) ctx_.report({}, "migrated a database from before checkpoints: added ycheckpoints");
    return {};
  }
  YWS_TRY_VOID(db_.exec(create_yupdates));
  YWS_TRY_VOID(db_.exec(create_index));
  YWS_TRY_VOID(db_.exec(create_ycheckpoints));
  YWS_TRY_VOID(db_.exec("PRAGMA user_version = 2"));
  return txn.commit();
}

}  // namespace yws::store::detail
