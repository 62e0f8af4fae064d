// yws/store/sqlite_store.hpp: all rooms in one SQLite database, in pycrdt-store's schema.
//
//   yws::store::sqlite_store_options o;
//   o.squash_after_inactivity_of = 3600;                 // seconds, as pycrdt-store
//   o.compression = yws::store::compression::zlib;
//   auto s = yws::store::make_sqlite_store(".jupyter_ystore.db", o);
//
// Schema (pycrdt-store 0.1.5, user_version 2): yupdates(path, yupdate, metadata, timestamp) with
// index idx_yupdates_path_timestamp, and ycheckpoints(path PRIMARY KEY, checkpoint, timestamp).
// A database written by pycrdt-websocket or pycrdt-store opens and loads as is (one made before
// checkpoints existed gets its ycheckpoints table added); pycrdt reads what yws writes. The
// database runs in WAL mode with a busy timeout; each append_batch is one transaction.
//
// Maintenance runs after an append commits, never losing the append if it fails: squash after
// inactivity and of history older than N seconds (rate-limited per room), a checkpoint every
// checkpoint_interval appends, and a size cleanup. Unlike pycrdt-store, a squash applies every
// row (decompressed) and checks the merged content before deleting anything.
//
// Thread safety: as yws::store::store (one connection behind a mutex; merges run outside it).
// Several processes may share the database (SQLite locking, busy_timeout).
// Lifetime: destroying the store checkpoints the WAL and closes the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "yws/store/store.hpp"

namespace yws::store {

// How update blobs are stored. zlib is Python's zlib.compress format, so a pycrdt store with
// register_compression_callbacks(zlib.compress, zlib.decompress) shares the database. Reads
// always accept both compressed and plain blobs, whatever this says.
enum class compression { none, zlib };

struct sqlite_store_options {
  store_options common;
  bool read_only = false;
  bool wal = true;  // journal_mode=WAL (not for ":memory:")
  std::chrono::milliseconds busy_timeout{5000};
  compression compress = compression::none;
  // Squash the whole history of a room when an append comes after this many seconds without one.
  std::optional<double> squash_after_inactivity_of;
  // Squash records older than this many seconds when a room's oldest record is older.
  std::optional<double> squash_history_older_than;
  // Per room, at most one squash (of the two kinds above) per this many seconds.
  double squash_no_more_often_than = 60;
  // Refresh a room's checkpoint after this many appended records (0 = no checkpoints).
  std::uint32_t checkpoint_interval = 100;
  // When the database's used size exceeds this many bytes, drop checkpoints, then squash rooms
  // least recently written first until it is under 90% of it (at most once per
  // squash_no_more_often_than).
  std::optional<std::uint64_t> cleanup_when_db_size_above;
};

// Opens or creates the database at `path` (":memory:" for a private in-memory database).
// errc::unsupported_feature for a database of another pycrdt schema version (left untouched).
[[nodiscard]] result<std::unique_ptr<store>> make_sqlite_store(const std::string& path,
                                                               sqlite_store_options options = {});

}  // namespace yws::store
