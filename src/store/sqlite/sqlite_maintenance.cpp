// The SQLite store's maintenance: squash (compaction), checkpoints and size cleanup, each in
// three phases (read under the lock, merge without it, replace under the lock after checking
// that nothing it read has changed), so appends wait for the replacement only.
#include <limits>

#include "store/compression.hpp"
#include "store/merge.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace yws::store::detail {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

std::vector<std::span<const std::uint8_t>> spans_of(const std::vector<bytes>& updates) {
  return std::vector<std::span<const std::uint8_t>>(updates.begin(), updates.end());
}

}  // namespace

result<compact_result> sqlite_store::compact(std::string_view room, const compact_options& options) {
  YWS_TRY_VOID(store_context::check_room_name(room));
  if (options_.read_only) return errc::rejected;
  return squash(room, options.older_than);
}

result<std::optional<double>> sqlite_store::squash_due(std::string_view room, double now) {
  const auto& inactivity = options_.squash_after_inactivity_of;
  const auto& history = options_.squash_history_older_than;
  if (!inactivity && !history) return std::optional<double>{};
  if (auto it = rooms_.find(room); it != rooms_.end() && it->second.last_squash &&
                                   now - *it->second.last_squash <= options_.squash_no_more_often_than) {
    return std::optional<double>{};
  }
  YWS_TRY(st, cached("SELECT MIN(timestamp), MAX(timestamp), COUNT(*) FROM yupdates WHERE path = ?"));
  st->bind_text(1, room);
  YWS_TRY(row, st->step());
  const bool any = row && st->column_int64(2) > 0;
  const double oldest = any ? st->column_double(0) : 0;
  const double newest = any ? st->column_double(1) : 0;
  st->reset();
  if (!any) return std::optional<double>{};
  // After inactivity everything before this append is squashed (the append itself is newer);
  // for a long history, what is older than the limit.
  if (inactivity && now - newest > *inactivity) return std::optional<double>(newest);
  if (history && now - oldest > *history) return std::optional<double>(now - *history);
  return std::optional<double>{};
}

void sqlite_store::run_maintenance(std::string_view room, const maintenance& m, double now) {
  if (m.squash_older_than) {
    if (auto r = squash(room, m.squash_older_than); !r) ctx_.report(room, "squash failed", r.error());
  }
  if (m.checkpoint) {
    if (auto r = write_checkpoint(room); !r) ctx_.report(room, "checkpoint failed", r.error());
  }
  cleanup_if_needed(now);
}

result<compact_result> sqlite_store::squash(std::string_view room, std::optional<double> older_than) {
  std::lock_guard serial(compact_mu_);
  const bool full = !older_than;
  const double cutoff = older_than.value_or(infinity);
  compact_result out;
  std::vector<bytes> updates;
  std::int64_t rows = 0;
  std::int64_t max_rowid = 0;
  double snapshot_time = store_context::no_time;
  std::uint64_t generation = 0;
  bool had_checkpoint = false;
  {  // Phase 1: read.
    std::lock_guard lock(mu_);
    YWS_TRY(txn, transaction::begin(db_, false));
    YWS_TRY(before, stats_locked(room));
    out.before = before;
    generation = state_of(room).generation;
    if (full) {
      YWS_TRY(checkpoint, read_checkpoint(room));
      if (checkpoint) {
        // Kept in the merge: a checkpoint may hold what rows lost (pycrdt-store's squash bug).
        updates.push_back(std::move(checkpoint->update));
        snapshot_time = checkpoint->timestamp;
        had_checkpoint = true;
      }
    }
    YWS_TRY(st, cached("SELECT yupdate, timestamp, rowid FROM yupdates WHERE path = ? AND timestamp <= ? "
                       "ORDER BY timestamp, rowid"));
    st->bind_text(1, room);
    st->bind_double(2, cutoff);
    for (;;) {
      YWS_TRY(row, st->step());
      if (!row) break;
      ++rows;
      if (!st->column_is_null(0)) updates.push_back(decode_blob(st->column_blob(0)));
      // Squashed rows keep the newest merged time (a pycrdt checkpoint may be newer: then the
      // checkpoint's, so the merged row is never older than what it replaces).
      snapshot_time = std::max(snapshot_time, st->column_double(1));
      max_rowid = std::max(max_rowid, st->column_int64(2));
    }
    st->reset();
    YWS_TRY_VOID(txn.commit());
  }
  const bool worthwhile = full ? rows + (had_checkpoint ? 1 : 0) >= 2 : rows >= 2;
  if (!worthwhile) {
    out.after = out.before;
    return out;
  }

  // Phase 2: merge and check, without the lock.
  YWS_TRY(snapshot, merge_updates(spans_of(updates)));
  updates.clear();

  // Phase 3: replace, if the rows are still those merged.
  std::lock_guard lock(mu_);
  if (state_of(room).generation != generation) return errc::rejected;
  YWS_TRY(txn, transaction::begin(db_, true));
  YWS_TRY(count, db_.prepare("SELECT COUNT(*) FROM yupdates WHERE path = ? AND timestamp <= ? AND rowid <= ?"));
  count.bind_text(1, room);
  count.bind_double(2, cutoff);
  count.bind_int64(3, max_rowid);
  YWS_TRY(counted, count.step());
  if (!counted || count.column_int64(0) != rows) return errc::rejected;  // another process changed them
  YWS_TRY(del, db_.prepare("DELETE FROM yupdates WHERE path = ? AND timestamp <= ? AND rowid <= ?"));
  del.bind_text(1, room);
  del.bind_double(2, cutoff);
  del.bind_int64(3, max_rowid);
  YWS_TRY_VOID(del.run());
  YWS_TRY(insert, cached("INSERT INTO yupdates VALUES (?, ?, ?, ?)"));
  insert->bind_text(1, room);
  insert->bind_blob(2, encode_blob(snapshot));
  insert->bind_blob(3, ctx_.metadata_for(room, {}));
  insert->bind_double(4, snapshot_time);
  YWS_TRY_VOID(insert->run());
  if (full && has_checkpoints_) {
    YWS_TRY(del_checkpoint, cached("DELETE FROM ycheckpoints WHERE path = ?"));
    del_checkpoint->bind_text(1, room);
    YWS_TRY_VOID(del_checkpoint->run());
  }
  YWS_TRY_VOID(txn.commit());
  state_of(room).generation = ++generations_;
  YWS_TRY(after, stats_locked(room));
  out.after = after;
  out.changed = true;
  return out;
}

result<void> sqlite_store::write_checkpoint(std::string_view room) {
  std::lock_guard serial(compact_mu_);
  std::vector<bytes> updates;
  std::optional<double> old_time;
  double newest = store_context::no_time;
  std::uint64_t generation = 0;
  {  // Phase 1: the checkpoint and the rows since.
    std::lock_guard lock(mu_);
    generation = state_of(room).generation;
    YWS_TRY(txn, transaction::begin(db_, false));
    YWS_TRY(checkpoint, read_checkpoint(room));
    if (checkpoint) {
      updates.push_back(std::move(checkpoint->update));
      old_time = checkpoint->timestamp;
    }
    YWS_TRY(st, cached("SELECT yupdate, timestamp FROM yupdates WHERE path = ? AND timestamp >= ? "
                       "ORDER BY timestamp, rowid"));
    st->bind_text(1, room);
    st->bind_double(2, old_time.value_or(store_context::no_time));
    for (;;) {
      YWS_TRY(row, st->step());
      if (!row) break;
      if (!st->column_is_null(0)) updates.push_back(decode_blob(st->column_blob(0)));
      newest = std::max(newest, st->column_double(1));
    }
    st->reset();
    YWS_TRY_VOID(txn.commit());
  }
  if (newest == store_context::no_time) return {};  // no row since the checkpoint

  YWS_TRY(snapshot, merge_updates(spans_of(updates)));
  updates.clear();

  std::lock_guard lock(mu_);
  if (state_of(room).generation != generation) return errc::rejected;
  YWS_TRY(txn, transaction::begin(db_, true));
  YWS_TRY(current_time, checkpoint_time(room));
  const bool unchanged = current_time ? old_time && *old_time == *current_time : !old_time;
  if (!unchanged) return errc::rejected;  // another process checkpointed meanwhile
  // Stamped with the newest row it covers: loaders apply rows from that time on (that row again,
  // harmlessly), and every later append is stamped at or after it.
  YWS_TRY(put, cached("INSERT OR REPLACE INTO ycheckpoints (path, checkpoint, timestamp) VALUES (?, ?, ?)"));
  put->bind_text(1, room);
  put->bind_blob(2, encode_blob(snapshot));
  put->bind_double(3, newest);
  YWS_TRY_VOID(put->run());
  return txn.commit();
}

result<std::uint64_t> sqlite_store::used_bytes() {
  YWS_TRY(pages, db_.query_int("PRAGMA page_count"));
  YWS_TRY(free_pages, db_.query_int("PRAGMA freelist_count"));
  YWS_TRY(page_size, db_.query_int("PRAGMA page_size"));
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, pages - free_pages) * page_size);
}

void sqlite_store::cleanup_if_needed(double now) {
  if (!options_.cleanup_when_db_size_above) return;
  const auto limit = *options_.cleanup_when_db_size_above;
  std::vector<std::string> rooms;
  std::uint64_t used_before = 0;
  {
    std::lock_guard lock(mu_);
    if (last_cleanup_ && now - *last_cleanup_ <= options_.squash_no_more_often_than) return;
    auto used = used_bytes();
    if (!used || *used <= limit) return;
    used_before = *used;
    last_cleanup_ = now;
    // Least recently written first; only rooms that squashing can shrink.
    auto st = db_.prepare(
        "SELECT path, MAX(timestamp) AS last, COUNT(*) AS n, "
        "EXISTS (SELECT 1 FROM ycheckpoints k WHERE k.path = u.path) AS ck "
        "FROM yupdates u GROUP BY path ORDER BY last ASC");
    if (!st) {
      ctx_.report({}, "size cleanup failed: " + last_error(), st.error());
      return;
    }
    for (;;) {
      auto row = st->step();
      if (!row || !*row) break;
      if (st->column_int64(2) > 1 || st->column_int64(3) != 0) rooms.push_back(st->column_text(0));
    }
  }
  const auto target = static_cast<std::uint64_t>(static_cast<double>(limit) * 0.9);
  std::uint64_t used_after = used_before;
  for (const auto& room : rooms) {
    if (auto r = squash(room, std::nullopt); !r) ctx_.report(room, "size cleanup: squash failed", r.error());
    std::lock_guard lock(mu_);
    if (auto used = used_bytes()) used_after = *used;
    if (used_after <= target) break;
  }
  {
    std::lock_guard lock(mu_);
    // Without auto_vacuum (databases not created by pycrdt-store 0.1.5 or yws) freed pages stay
    // in the file until a VACUUM.
    if (auto mode = db_.query_int("PRAGMA auto_vacuum"); mode && *mode == 0) {
      if (auto ok = db_.exec("VACUUM"); !ok) ctx_.report({}, "size cleanup: VACUUM failed: " + last_error(), ok.error());
    }
  }
  ctx_.report({}, "size cleanup: " + std::to_string(used_before) + " -> " + std::to_string(used_after) + " bytes");
}

}  // namespace yws::store::detail
