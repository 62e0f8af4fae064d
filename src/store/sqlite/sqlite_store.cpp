// The SQLite store's interface: appends, loads and reads in pycrdt-store's schema.
#include <algorithm>

#include "store/compression.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace yws::store {

result<std::unique_ptr<store>> make_sqlite_store(const std::string& path, sqlite_store_options options) {
  return detail::sqlite_store::open(path, std::move(options));
}

}  // namespace yws::store

namespace yws::store::detail {
namespace {

// The newest time of a room, rows and checkpoint together: pycrdt stamps a checkpoint with the
// time it was made, and later rows must not sort before it or its loader would skip them.
constexpr const char* newest_sql =
    "SELECT MAX(t) FROM (SELECT MAX(timestamp) AS t FROM yupdates WHERE path = ?1 "
    "UNION ALL SELECT timestamp FROM ycheckpoints WHERE path = ?1)";
constexpr const char* insert_sql = "INSERT INTO yupdates VALUES (?, ?, ?, ?)";
constexpr const char* checkpoint_sql = "SELECT checkpoint, timestamp FROM ycheckpoints WHERE path = ?";
constexpr const char* checkpoint_time_sql = "SELECT timestamp FROM ycheckpoints WHERE path = ?";
constexpr const char* delete_checkpoint_sql = "DELETE FROM ycheckpoints WHERE path = ?";
// Ties in time keep insertion order (pycrdt's own read() relies on the index order).
constexpr const char* rows_since_sql =
    "SELECT yupdate FROM yupdates WHERE path = ? AND timestamp >= ? ORDER BY timestamp, rowid";
constexpr const char* history_sql =
    "SELECT yupdate, metadata, timestamp FROM yupdates WHERE path = ? ORDER BY timestamp, rowid";

}  // namespace

sqlite_store::~sqlite_store() {
  scheduler_.reset();
  if (!options_.read_only) {
    if (auto ok = flush(); !ok) ctx_.report({}, "WAL checkpoint on close failed: " + last_error(), ok.error());
  }
}

result<statement*> sqlite_store::cached(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    YWS_TRY(st, db_.prepare(sql));
    it = statements_.emplace(sql, std::move(st)).first;
  }
  it->second.reset();
  return &it->second;
}

sqlite_store::room_state& sqlite_store::state_of(std::string_view room) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) it = rooms_.emplace(std::string(room), room_state{}).first;
  return it->second;
}

bytes sqlite_store::encode_blob(std::span<const std::uint8_t> data) const {
  if (options_.compress == compression::zlib) return zlib_compress(data);
  return bytes(data.begin(), data.end());
}

result<void> sqlite_store::append_batch(std::string_view room, std::span<const append_record> batch) {
  YWS_TRY_VOID(store_context::check_room_name(room));
  if (options_.read_only) return errc::rejected;
  if (batch.empty()) return {};
  maintenance todo;
  double now = 0;
  {
    std::lock_guard lock(mu_);
    now = ctx_.now();
    YWS_TRY(txn, transaction::begin(db_, true));
    YWS_TRY(squash_cutoff, squash_due(room, now));

    YWS_TRY(newest_st, cached(newest_sql));
    newest_st->bind_text(1, room);
    YWS_TRY(has_newest, newest_st->step());
    double newest = has_newest && !newest_st->column_is_null(0) ? newest_st->column_double(0) : store_context::no_time;
    newest_st->reset();

    // A record stamped (by import) before the room's checkpoint would be skipped by loaders
    // that start at the checkpoint: such a checkpoint is dropped.
    std::optional<double> checkpoint_at;
    const bool explicit_times = std::any_of(batch.begin(), batch.end(), [](const auto& a) { return a.timestamp.has_value(); });
    if (explicit_times) {
      YWS_TRY(time, checkpoint_time(room));
      checkpoint_at = time;
    }
    bool stale_checkpoint = false;
    YWS_TRY(insert, cached(insert_sql));
    for (const auto& a : batch) {
      const double ts = store_context::next_timestamp(a, now, newest);
      newest = std::max(newest, ts);
      if (checkpoint_at && ts < *checkpoint_at) stale_checkpoint = true;
      insert->reset();
      insert->bind_text(1, room);
      insert->bind_blob(2, encode_blob(a.update));
      insert->bind_blob(3, ctx_.metadata_for(room, a.metadata));
      insert->bind_double(4, ts);
      YWS_TRY_VOID(insert->run());
    }
    if (stale_checkpoint) {
      YWS_TRY(del, cached(delete_checkpoint_sql));
      del->bind_text(1, room);
      YWS_TRY_VOID(del->run());
    }
    YWS_TRY_VOID(txn.commit());

    room_state& state = state_of(room);
    if (explicit_times) state.generation = ++generations_;
    state.appended += static_cast<std::uint32_t>(batch.size());
    if (options_.checkpoint_interval != 0 && state.appended >= options_.checkpoint_interval) {
      state.appended = 0;
      todo.checkpoint = true;
    }
    if (squash_cutoff) {
      state.last_squash = now;
      todo.squash_older_than = *squash_cutoff;
    }
  }
  if (scheduler_) scheduler_->notify();
  run_maintenance(room, todo, now);
  return {};
}

result<stored_doc> sqlite_store::load(std::string_view room) {
  YWS_TRY_VOID(store_context::check_room_name(room));
  std::lock_guard lock(mu_);
  YWS_TRY(txn, transaction::begin(db_, false));
  stored_doc doc;
  double since = store_context::no_time;
  YWS_TRY(checkpoint, read_checkpoint(room));
  if (checkpoint) {
    doc.snapshot = std::move(checkpoint->update);
    since = checkpoint->timestamp;
  }
  YWS_TRY(rows, cached(rows_since_sql));
  rows->bind_text(1, room);
  rows->bind_double(2, since);
  for (;;) {
    YWS_TRY(row, rows->step());
    if (!row) break;
    // pycrdt allows NULL updates; they hold nothing to apply.
    if (rows->column_is_null(0)) continue;
    doc.tail.push_back(decode_blob(rows->column_blob(0)));
  }
  rows->reset();
  YWS_TRY_VOID(txn.commit());
  return doc;
}

result<std::vector<record>> sqlite_store::history(std::string_view room) {
  YWS_TRY_VOID(store_context::check_room_name(room));
  std::lock_guard lock(mu_);
  YWS_TRY(st, cached(history_sql));
  st->bind_text(1, room);
  std::vector<record> out;
  for (;;) {
    YWS_TRY(row, st->step());
    if (!row) break;
    const auto metadata = st->column_blob(1);
    out.push_back(record{decode_blob(st->column_blob(0)), bytes(metadata.begin(), metadata.end()), st->column_double(2)});
  }
  st->reset();
  return out;
}

result<std::optional<sqlite_store::checkpoint_row>> sqlite_store::read_checkpoint(std::string_view room) {
  std::optional<checkpoint_row> out;
  if (!has_checkpoints_) return out;
  YWS_TRY(ck, cached(checkpoint_sql));
  ck->bind_text(1, room);
  YWS_TRY(has_checkpoint, ck->step());
  if (has_checkpoint) out = checkpoint_row{decode_blob(ck->column_blob(0)), ck->column_double(1)};
  ck->reset();
  return out;
}

result<std::optional<double>> sqlite_store::checkpoint_time(std::string_view room) {
  std::optional<double> out;
  YWS_TRY(ck, cached(checkpoint_time_sql));
  ck->bind_text(1, room);
  YWS_TRY(has_checkpoint, ck->step());
  if (has_checkpoint) out = ck->column_double(0);
  ck->reset();
  return out;
}

result<void> sqlite_store::remove(std::string_view room) {
  YWS_TRY_VOID(store_context::check_room_name(room));
  if (options_.read_only) return errc::rejected;
  std::lock_guard lock(mu_);
  YWS_TRY(txn, transaction::begin(db_, true));
  YWS_TRY(del_rows, db_.prepare("DELETE FROM yupdates WHERE path = ?"));
  del_rows.bind_text(1, room);
  YWS_TRY_VOID(del_rows.run());
  YWS_TRY(del_checkpoint, cached(delete_checkpoint_sql));
  del_checkpoint->bind_text(1, room);
  YWS_TRY_VOID(del_checkpoint->run());
  YWS_TRY_VOID(txn.commit());
  room_state& state = state_of(room);
  state = room_state{};
  state.generation = ++generations_;
  return {};
}

result<std::vector<std::string>> sqlite_store::list_rooms() {
  std::lock_guard lock(mu_);
  YWS_TRY(st, db_.prepare(has_checkpoints_ ? "SELECT path FROM yupdates UNION SELECT path FROM ycheckpoints"
                                           : "SELECT DISTINCT path FROM yupdates"));
  std::vector<std::string> names;
  for (;;) {
    YWS_TRY(row, st.step());
    if (!row) break;
    names.push_back(st.column_text(0));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

result<room_stats> sqlite_store::stats(std::string_view room) {
  YWS_TRY_VOID(store_context::check_room_name(room));
  std::lock_guard lock(mu_);
  return stats_locked(room);
}

result<room_stats> sqlite_store::stats_locked(std::string_view room) {
  YWS_TRY(st, cached("SELECT COUNT(*), COALESCE(SUM(LENGTH(yupdate)), 0) + COALESCE(SUM(LENGTH(metadata)), 0), "
                     "MIN(timestamp), MAX(timestamp) FROM yupdates WHERE path = ?"));
  st->bind_text(1, room);
  YWS_TRY(row, st->step());
  room_stats s;
  if (row && st->column_int64(0) > 0) {
    s.records = static_cast<std::uint64_t>(st->column_int64(0));
    s.bytes = static_cast<std::uint64_t>(st->column_int64(1));
    s.first_timestamp = st->column_double(2);
    s.last_timestamp = st->column_double(3);
  }
  st->reset();
  if (has_checkpoints_) {
    YWS_TRY(ck, cached("SELECT LENGTH(checkpoint) FROM ycheckpoints WHERE path = ?"));
    ck->bind_text(1, room);
    YWS_TRY(has_checkpoint, ck->step());
    if (has_checkpoint) s.bytes += static_cast<std::uint64_t>(ck->column_int64(0));
    ck->reset();
  }
  return s;
}

result<void> sqlite_store::flush() {
  std::lock_guard lock(mu_);
  if (options_.read_only) return {};
  // In WAL mode with synchronous=NORMAL, commits reach the disk when the WAL is checkpointed,
  // which syncs it first.
  YWS_TRY(st, db_.prepare("PRAGMA wal_checkpoint(PASSIVE)"));
  return st.run();
}

}  // namespace yws::store::detail
