// store/sqlite/sqlite_store_impl.hpp: the SQLite store's class, shared by its three source files:
// sqlite_schema.cpp (opening, creating and migrating the database), sqlite_store.cpp (the store
// interface) and sqlite_maintenance.cpp (squash, checkpoints, size cleanup).
//
// Locking: mu_ guards the connection, its statements and the per-room counters; it is never held
// while updates are merged. compact_mu_ lets one merge-and-replace (squash, checkpoint, cleanup)
// run at a time; it is taken before mu_.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/sqlite/sqlite_db.hpp"
#include "store/store_context.hpp"
#include "store/sync_scheduler.hpp"
#include "yws/store/sqlite_store.hpp"

namespace yws::store::detail {

class sqlite_store final : public store {
 public:
  static result<std::unique_ptr<store>> open(const std::string& path, sqlite_store_options options);
  ~sqlite_store() override;

  result<void> append_batch(std::string_view room, std::span<const append_record> records) override;
  result<stored_doc> load(std::string_view room) override;
  result<std::vector<record>> history(std::string_view room) override;
  result<compact_result> compact(std::string_view room, const compact_options& options) override;
  result<void> remove(std::string_view room) override;
  result<std::vector<std::string>> list_rooms() override;
  result<room_stats> stats(std::string_view room) override;
  result<void> flush() override;

 private:
  sqlite_store(std::string path, sqlite_store_options options);

  // Per-room state of this process (pycrdt keeps the same per store instance).
  struct room_state {
    std::uint32_t appended = 0;       // records appended since the last checkpoint
    std::optional<double> last_squash;
    std::uint64_t generation = 0;     // changes when rows are removed or rewritten
  };

  // sqlite_schema.cpp
  result<void> init(sqlite_db db);
  result<void> create_or_migrate();

  // sqlite_store.cpp
  // A cached prepared statement, reset and ready to bind. Requires: mu_ held.
  result<statement*> cached(const char* sql);
  result<room_stats> stats_locked(std::string_view room);
  room_state& state_of(std::string_view room);  // Requires: mu_ held.
  struct checkpoint_row {
    bytes update;  // decompressed
    double timestamp = 0;
  };
  // The room's checkpoint, if it has one. Requires: mu_ held.
  result<std::optional<checkpoint_row>> read_checkpoint(std::string_view room);
  result<std::optional<double>> checkpoint_time(std::string_view room);

  // sqlite_maintenance.cpp
  // What append decided, to run once its transaction has committed.
  struct maintenance {
    std::optional<double> squash_older_than;
    bool checkpoint = false;
  };
  // The squash an append of `room` triggers, from the room's rows before it. Requires: mu_ held.
  result<std::optional<double>> squash_due(std::string_view room, double now);
  void run_maintenance(std::string_view room, const maintenance& m, double now);
  result<compact_result> squash(std::string_view room, std::optional<double> older_than);
  result<void> write_checkpoint(std::string_view room);
  void cleanup_if_needed(double now);
  result<std::uint64_t> used_bytes();  // Requires: mu_ held.
  bytes encode_blob(std::span<const std::uint8_t> data) const;

  const std::string path_;
  const sqlite_store_options options_;  // its `common` lives in ctx_
  const store_context ctx_;
  bool has_checkpoints_ = true;  // false only for a read-only pre-checkpoint database

  std::mutex compact_mu_;
  std::mutex mu_;  // guards everything below
  sqlite_db db_;
  std::unordered_map<std::string, statement> statements_;  // destroyed before db_
  std::map<std::string, room_state, std::less<>> rooms_;
  std::optional<double> last_cleanup_;
  std::uint64_t generations_ = 0;

  std::unique_ptr<sync_scheduler> scheduler_;  // last member: stopped first
};

}  // namespace yws::store::detail
